import { parseMispEvent } from '../formats/misp-json/parse.js';
import { describeProblem, type ImportProblem } from '../formats/misp-json/problems.js';
import { stixToEvents } from '../formats/stix/import.js';
import type { Store } from '../store/database.js';
import { eventUuidTaken, loadEvent } from '../store/event-reader.js';
import type { User } from '../store/users.js';
import { ApiError } from './errors.js';
import { resolveSharingGroups } from './sharing-group-refs.js';
import { can, mayChange, viewerOf } from './session.js';
import type { WriteQueue } from './write-queue.js';

/** Where STIX content sent into a collection lands: tagged, or shared with a group, so that it is found there again. */
export interface StixPlacement {
  tag?: string;
  sharingGroupId?: number;
}

export interface StixEventOutcome {
  uuid: string;
  status: 'created' | 'updated' | 'unchanged' | 'refused';
  eventId?: number;
  /** Why a refused event was refused. */
  reason?: string;
}

export interface StixStoreResult {
  events: StixEventOutcome[];
  /** The STIX objects of the bundle that were not taken, by id, with the reason. */
  failures: Map<string, string>;
}

const uuidOf = (stixId: string) => stixId.slice(stixId.indexOf('--') + 2);

/**
 * Stores a STIX 2.1 bundle as events of the user's organisation, as events/add would: a new uuid makes
 * an event, a known one updates it when the user may change it (and the bundle's version is newer).
 * Every STIX object is accounted for: held by a stored event, or listed in `failures` with the reason.
 */
export async function storeStixAs(store: Store, writes: WriteQueue, user: User, bundle: unknown, placement: StixPlacement = {}): Promise<StixStoreResult> {
  let read;
  try {
    read = stixToEvents(bundle);
  } catch (err) {
    throw new ApiError(400, (err as Error).message);
  }
  const failures = new Map(read.unmapped.map((u) => [u.id, u.reason]));
  const own = { uuid: user.org.uuid, name: user.org.name };
  const events: StixEventOutcome[] = [];
  for (const doc of read.events) {
    const raw = doc.Event;
    const uuid = String(raw.uuid);
    const members = read.members.get(uuid) ?? [];
    const fail = (reason: string) => {
      for (const id of members) if (!failures.has(id)) failures.set(id, reason);
      events.push({ uuid, status: 'refused', reason });
    };
    const itemFailures = (problems: readonly ImportProblem[]) => {
      for (const p of problems) for (const id of members) if (p.item && uuidOf(id) === p.item && !failures.has(id)) failures.set(id, describeProblem(p));
    };
    const tags = [...((raw.Tag as unknown[]) ?? []), ...(placement.tag ? [{ name: placement.tag }] : [])];
    // Events are created by the user's organisation; only a sync user may store another creator's.
    const draft = {
      ...raw, Tag: tags, Org: own, Orgc: can(user, 'perm_sync') && raw.Orgc ? raw.Orgc : own,
      ...(placement.sharingGroupId !== undefined ? { distribution: '4', sharing_group_id: String(placement.sharingGroupId) } : {}),
    };
    const parsed = parseMispEvent({ Event: draft }, { defaultDistribution: 1 });
    if (!parsed.event) {
      fail(parsed.problems.map(describeProblem).join('; '));
      continue;
    }
    itemFailures(parsed.problems);
    try {
      await resolveSharingGroups(store, user, parsed.event);
    } catch (err) {
      fail(err instanceof ApiError ? `${err.message} ${JSON.stringify(err.details)}` : String(err));
      continue;
    }
    if (await eventUuidTaken(store, uuid)) {
      const stored = await loadEvent(store, viewerOf(user), { uuid });
      if (!stored || !mayChange(user, stored)) {
        fail(`event ${uuid} exists and you may not change it`);
        continue;
      }
      const outcome = await writes.update(parsed.event);
      itemFailures(outcome.problems);
      events.push({ uuid, status: outcome.status === 'unchanged' ? 'unchanged' : 'updated', eventId: outcome.eventId });
    } else {
      const outcome = await writes.create(parsed.event);
      if (!outcome) {
        fail(`event ${uuid} was stored by another request at the same time`);
        continue;
      }
      itemFailures(outcome.problems);
      events.push({ uuid, status: 'created', eventId: outcome.eventId });
    }
  }
  return { events, failures };
}
