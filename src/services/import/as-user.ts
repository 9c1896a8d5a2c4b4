import { parseMispEvent } from '../../formats/misp-json/parse.js';
import { describeProblem, type ImportProblem } from '../../model/problems.js';
import { stixToEvents } from '../../formats/stix/import.js';
import type { MispEvent } from '../../model/event.js';
import type { Store } from '../../store/database.js';
import { eventUuidTaken, loadEvent } from '../../store/event-reader.js';
import type { User } from '../../store/users.js';
import { ServiceError } from '../errors.js';
import { resolveSharingGroups } from '../events/sharing-group-refs.js';
import { can } from '../../access/policy/permissions.js';
import { mayChange } from '../../access/policy/events.js';
import { viewerOf } from '../../access/viewer.js';
import type { WriteQueue } from '../write-queue.js';

/** Where imported content lands: tagged, or shared with a group, so that it is found there again. */
export interface Placement {
  tag?: string;
  sharingGroupId?: number;
}

export interface ImportedEvent {
  uuid: string;
  info: string;
  /** What storing it does (or, on a preview, would do). */
  status: 'created' | 'updated' | 'unchanged' | 'refused';
  eventId?: number;
  /** Why a refused event was refused. */
  reason?: string;
  attributes: number;
  objects: number;
  /** Attributes and other items left out, each with the reason. */
  problems: string[];
}

export interface ImportOutcome {
  events: ImportedEvent[];
  /** STIX objects that were not taken, by id, with the reason. */
  failures: Map<string, string>;
}

const uuidOf = (stixId: string) => stixId.slice(stixId.indexOf('--') + 2);

/**
 * Stores events as their user would add them through the API: his organisation owns them; the creator
 * the document names is kept for site admins and sync users only, others' become theirs. A new uuid makes
 * an event; a known one is updated when the user may change it and the version is newer. With `dryRun`
 * nothing is written and the answer says what would be done.
 */
export async function importEventsAs(store: Store, writes: WriteQueue, user: User, docs: ReadonlyArray<{ Event: Record<string, unknown> }>,
  options: { placement?: Placement; members?: ReadonlyMap<string, readonly string[]>; dryRun?: boolean } = {}): Promise<ImportOutcome> {
  const placement = options.placement ?? {};
  const failures = new Map<string, string>();
  const own = { uuid: user.org.uuid, name: user.org.name };
  const events: ImportedEvent[] = [];
  for (const doc of docs) {
    const raw = doc.Event;
    const uuid = String(raw.uuid ?? '');
    const members = options.members?.get(uuid) ?? [];
    const draft = {
      ...raw, Tag: [...((raw.Tag as unknown[]) ?? []), ...(placement.tag ? [{ name: placement.tag }] : [])],
      Org: own, Orgc: can(user, 'perm_sync') && raw.Orgc ? raw.Orgc : own,
      ...(placement.sharingGroupId !== undefined ? { distribution: '4', sharing_group_id: String(placement.sharingGroupId) } : {}),
    };
    const parsed = parseMispEvent({ Event: draft }, { defaultDistribution: 1 });
    const event = parsed.event;
    const entry: ImportedEvent = {
      uuid: event?.uuid ?? uuid, info: event?.info ?? String(raw.info ?? ''), status: 'refused',
      attributes: event ? event.attributes.length + event.objects.reduce((n, o) => n + o.attributes.length, 0) : 0, objects: event?.objects.length ?? 0,
      problems: parsed.problems.map(describeProblem),
    };
    events.push(entry);
    const itemFailures = (problems: readonly ImportProblem[]) => {
      for (const p of problems) for (const id of members) if (p.item && uuidOf(id) === p.item && !failures.has(id)) failures.set(id, describeProblem(p));
    };
    const refuse = (reason: string) => {
      entry.status = 'refused';
      entry.reason = reason;
      for (const id of members) if (!failures.has(id)) failures.set(id, reason);
    };
    if (!event) {
      refuse(entry.problems.join('; ') || 'not an event');
      continue;
    }
    itemFailures(parsed.problems);
    try {
      await resolveSharingGroups(store, user, event);
    } catch (err) {
      refuse(err instanceof ServiceError ? `${err.message} ${JSON.stringify(err.details)}` : String(err));
      continue;
    }
    const saved = await save(event, entry);
    if (typeof saved === 'string') refuse(saved);
    else itemFailures(saved);
  }
  return { events, failures };

  /** Stores one event (or, dry, says what storing it would do) into its entry: the problems met, or why it was refused. */
  async function save(event: MispEvent, entry: ImportedEvent): Promise<ImportProblem[] | string> {
    if (await eventUuidTaken(store, event.uuid)) {
      const stored = await loadEvent(store, viewerOf(user), { uuid: event.uuid });
      if (!stored || !mayChange(user, stored)) return `event ${event.uuid} exists and you may not change it`;
      entry.eventId = stored.id;
      if (options.dryRun) {
        entry.status = event.timestamp > stored.timestamp ? 'updated' : 'unchanged';
        return [];
      }
      const outcome = await writes.update(event);
      entry.status = outcome.status === 'unchanged' ? 'unchanged' : 'updated';
      entry.problems.push(...outcome.problems.map(describeProblem));
      return outcome.problems;
    }
    if (options.dryRun) {
      entry.status = 'created';
      return [];
    }
    const outcome = await writes.create(event);
    if (!outcome) return `event ${event.uuid} was stored by another request at the same time`;
    entry.status = 'created';
    entry.eventId = outcome.eventId;
    entry.problems.push(...outcome.problems.map(describeProblem));
    return outcome.problems;
  }
}

/** Stores a STIX 2.1 bundle through importEventsAs; every STIX object is accounted for, stored or failed with its reason. */
export async function storeStixAs(store: Store, writes: WriteQueue, user: User, bundle: unknown, placement: Placement = {}, dryRun = false): Promise<ImportOutcome> {
  let read;
  try {
    read = stixToEvents(bundle);
  } catch (err) {
    throw new ServiceError('invalid', (err as Error).message);
  }
  const outcome = await importEventsAs(store, writes, user, read.events, { placement, members: read.members, dryRun });
  for (const u of read.unmapped) if (!outcome.failures.has(u.id)) outcome.failures.set(u.id, u.reason);
  return outcome;
}
