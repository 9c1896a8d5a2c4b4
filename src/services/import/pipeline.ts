import type { ParseOptions } from '../../formats/misp-json/parse.js';
import type { MispEvent, StoredEvent } from '../../model/event.js';
import { describeProblem, type ImportProblem } from '../../model/problems.js';
import type { Store } from '../../store/db/database.js';
import { blockedUuids } from '../../store/blocklists.js';
import { existingTagNames, restrictedTags } from '../../store/tags.js';
import { mayEditTags, tagRestrictionRefusal, type TagRestriction } from '../../access/policy/tags.js';
import { eventUuidTaken } from '../../store/events/reader.js';
import { eventOwnership } from '../../store/events/ownership.js';
import type { SaveOutcome } from '../../store/events/writer.js';
import type { User } from '../../access/user.js';
import { editsAsRemote, keepsCreator, mayBringVersion, mayChange, mayPublishRole, maySync } from '../../access/policy/events.js';
import { isSiteAdmin } from '../../access/policy/permissions.js';
import { OPERATOR, viewerOf } from '../../access/viewer.js';
import { ServiceError } from '../errors.js';
import { resolveSharingGroups } from '../events/sharing-group-refs.js';
import type { ParsedItem } from './parsed-event.js';
import { planAnalystData, type AnalystPlan, type AnalystWriter } from '../analyst-data/capture.js';
import type { AnalystWrite } from '../../store/analyst-data.js';

/**
 * Who imports: the operator (the command line, feeds) stores events as their documents describe them;
 * a user stores them as his organisation's, under the rules of access/policy/events.
 */
export type Actor = { kind: 'operator' } | { kind: 'user'; user: User };

export const OPERATOR_ACTOR: Actor = Object.freeze({ kind: 'operator' });

/** `upsert`: a new uuid makes an event, a known one is updated; `create` (events/add) and `update` (events/edit) allow one of the two. */
export type ImportMode = 'upsert' | 'create' | 'update';

/** Where imported content lands: tagged, or shared with a group, so that it is found there again. */
export interface Placement {
  tag?: string;
  sharingGroupId?: number;
}

/** Writes events: the bulk EventSaver for the command line, the server's WriteQueue. */
export interface EventWriter {
  /**
   * Stores an event (a known uuid is updated when the version is newer); undefined when onlyNew and its
   * uuid is taken. The analyst data given is written in the same transaction as the event.
   */
  save(event: MispEvent, options: { onlyNew: boolean; localEdit?: boolean; changedItems?: ReadonlySet<string>; analyst?: readonly AnalystWrite[] }): Promise<SaveOutcome | undefined>;
  /**
   * A writer that commits when nothing more is waiting (the WriteQueue) may be asked to wait for a
   * bulk writer's next events instead, until its transaction holds `attributes` or has been open
   * `maxMs`: the answer lets it commit as before again.
   */
  holdCommits?(attributes: number, maxMs: number): () => void;
}

/** Why an event was refused, for callers that answer a single event with an error. */
export type RefusalKind = 'unreadable' | 'blocked' | 'sharing-group' | 'exists' | 'not-allowed' | 'not-found' | 'failed';

export interface ImportEntry {
  /** Where the event came from (a file, `upload`, …). */
  source: string;
  uuid: string;
  info: string;
  /** What storing it did (or, on a dry run, would do). */
  status: 'created' | 'updated' | 'unchanged' | 'refused';
  eventId?: number;
  /** Why a refused event was refused, in words. */
  reason?: string;
  /** The same, as the error a caller answering for this one event raises. */
  refusal?: { kind: RefusalKind; error: unknown };
  /** Attributes the event holds (objects' included), and its objects. */
  attributes: number;
  objects: number;
  /** Attributes written, and attributes left out (each also among the problems). */
  storedAttributes: number;
  rejectedAttributes: number;
  /** What was not taken as given, rejections and corrections alike. */
  problems: ImportProblem[];
}

export interface ImportTotals {
  events: { created: number; updated: number; unchanged: number; rejected: number };
  attributes: { stored: number; rejected: number };
  /** Problems found, rejections and corrections alike. */
  problems: number;
}

/** What an import did: each event's entry (as reported through onEntry), and the totals. */
export interface ImportOutcome {
  entries: ImportEntry[];
  totals: ImportTotals;
}

export interface ImportOptions {
  actor: Actor;
  writer: EventWriter;
  mode?: ImportMode;
  placement?: Placement;
  /** Decide and report, write nothing. */
  dryRun?: boolean;
  /** Events the caller has already read for this actor, so that they are not read again. */
  known?: readonly StoredEvent[];
  /** An edit (mode update): the items it changes, taken even at their stored timestamp (SaveOptions.changedItems). */
  changedItems?: ReadonlySet<string>;
  /** Called after each event, with the totals so far, so that a long import reports as it goes. */
  onEntry?: (entry: ImportEntry, totals: ImportTotals) => void;
  /**
   * Events handled at once (default 1: one after another). With a writer that shares a commit among
   * the writes waiting for it (the WriteQueue), several in flight share one transaction instead of
   * paying a commit each. Only for inputs whose events have distinct uuids (a feed's manifest): two
   * versions of one event in flight at once would be decided against the same stored version.
   */
  concurrency?: number;
  /**
   * With concurrency: more events are let in while those in flight hold fewer attributes than this
   * (one at least), so that a commit shared among them carries many small events or a few large ones.
   */
  attributesInFlight?: number;
}

export function emptyTotals(): ImportTotals {
  return { events: { created: 0, updated: 0, unchanged: 0, rejected: 0 }, attributes: { stored: 0, rejected: 0 }, problems: 0 };
}

/** True when every event and attribute of the input was stored. */
export function wasComplete(t: ImportTotals): boolean {
  return t.events.rejected === 0 && t.attributes.rejected === 0;
}

/** How documents are read for an actor: a user's events name his organisation when they name no creator. */
export function parseOptionsFor(actor: Actor, defaultDistribution: ParseOptions['defaultDistribution'] = 1): ParseOptions {
  return actor.kind === 'user'
    ? { defaultDistribution, defaultOrg: { uuid: actor.user.org.uuid, name: actor.user.org.name } }
    : { defaultDistribution };
}

/**
 * The one import pipeline: parsed events → placement → sharing groups → the stored version and who
 * may change it → ownership → the writer. Every event ends as an entry, stored or refused with its
 * reason; nothing here throws for one event's sake. The operator's events are written without a read
 * ahead (the writer merges a known uuid), so that a large import costs no query per event.
 */
export async function runImport(store: Store, items: AsyncIterable<ParsedItem> | Iterable<ParsedItem>, options: ImportOptions): Promise<ImportTotals> {
  const totals = emptyTotals();
  const known = new Map((options.known ?? []).map((e) => [e.uuid, e]));
  const blocked = await blockedUuids(store);
  const restricted = options.actor.kind === 'user' ? await restrictedTags(store) : new Map<string, TagRestriction>();
  const handle = async (item: ParsedItem) => {
    const entry = await importItem(store, item, options, known, blocked, restricted);
    count(totals, entry);
    options.onEntry?.(entry, totals);
  };
  const concurrency = Math.max(1, options.concurrency ?? 1);
  const attributeLimit = options.attributesInFlight ?? Number.POSITIVE_INFINITY;
  const inFlight = new Set<Promise<void>>();
  let attributes = 0;
  try {
    for await (const item of items) {
      const size = 'parsed' in item && item.parsed.event ? attributesOf(item.parsed.event) : 0;
      attributes += size;
      const p: Promise<void> = handle(item).finally(() => {
        inFlight.delete(p);
        attributes -= size;
      });
      inFlight.add(p);
      while (inFlight.size >= concurrency || (inFlight.size > 0 && attributes >= attributeLimit)) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  } catch (err) {
    // importItem never throws for one event's sake; what else fails (the input, onEntry) ends the
    // import, once the events under way have been written or refused.
    await Promise.allSettled(inFlight);
    throw err;
  }
  return totals;
}

/** The attributes of an event, its objects' included. */
export function attributesOf(event: MispEvent): number {
  let n = event.attributes.length;
  for (const o of event.objects) n += o.attributes.length;
  return n;
}

function count(totals: ImportTotals, entry: ImportEntry): void {
  totals.problems += entry.problems.length;
  totals.attributes.rejected += entry.rejectedAttributes;
  totals.attributes.stored += entry.storedAttributes;
  totals.events[entry.status === 'refused' ? 'rejected' : entry.status]++;
}

function refuse(entry: ImportEntry, kind: RefusalKind, reason: string, error: unknown): ImportEntry {
  entry.status = 'refused';
  entry.reason = reason;
  entry.refusal = { kind, error };
  return entry;
}

type Blocked = Awaited<ReturnType<typeof blockedUuids>>;

async function importItem(
  store: Store, item: ParsedItem, options: ImportOptions, known: Map<string, StoredEvent>, blocked: Blocked, restricted: ReadonlyMap<string, TagRestriction>,
): Promise<ImportEntry> {
  const entry: ImportEntry = {
    source: item.source, uuid: '', info: '', status: 'refused', attributes: 0, objects: 0, storedAttributes: 0, rejectedAttributes: 0, problems: [],
  };
  if ('error' in item) {
    const problem: ImportProblem = { event: null, item: null, field: 'input', reason: item.error };
    entry.problems.push(problem);
    return refuse(entry, 'unreadable', item.error, new ServiceError('invalid', item.error));
  }
  const { event, problems, rejectedAttributes } = item.parsed;
  entry.problems.push(...problems);
  entry.rejectedAttributes = rejectedAttributes;
  if (!event) {
    // A user whose organisation is blocked is told so first, whatever he sends (MISP checks before reading the event).
    const orgBlocked = options.actor.kind === 'user' && !keepsCreator(options.actor.user) && blocked.orgs.has(options.actor.user.org.uuid);
    if (orgBlocked && options.mode !== 'update') return refuse(entry, 'blocked', ORG_BLOCKED, new ServiceError('forbidden', ORG_BLOCKED));
    const byField = Object.fromEntries(problems.map((p) => [p.field, [describeProblem(p)]]));
    return refuse(entry, 'unreadable', problems.map(describeProblem).join('; ') || 'not an event', new ServiceError('rejected', 'The event could not be saved.', { errors: byField }));
  }
  entry.uuid = event.uuid;
  entry.info = event.info;
  entry.attributes = event.attributes.length + event.objects.reduce((n, o) => n + o.attributes.length, 0);
  entry.objects = event.objects.length;
  const { actor, mode = 'upsert' } = options;
  // MISP's blocklists: a blocked uuid, or an event created by a blocked organisation, is never imported,
  // whoever brings it. An edit of an event already stored here (mode update) is no import.
  const block = mode === 'update' ? undefined : blockOf(event, actor, blocked);
  if (block) return refuse(entry, 'blocked', block, new ServiceError('forbidden', block));
  if (actor.kind === 'user' && !mayEditTags(actor.user)) entry.problems.push(...await withoutNewTags(store, event));
  place(event, options.placement);
  if (actor.kind === 'user') entry.problems.push(...withoutRestrictedTags(event, actor.user, restricted, known.get(event.uuid)));
  if (actor.kind === 'user') {
    try {
      await resolveSharingGroups(store, actor.user, event);
    } catch (err) {
      return refuse(entry, 'sharing-group', err instanceof ServiceError ? `${err.message} ${JSON.stringify(err.details)}` : String(err), err);
    }
  }
  // The operator writes without reading first; a user's rights depend on the stored event, and a dry run must know it.
  const looks = options.dryRun || known.has(event.uuid) || (actor.kind === 'user' && mode !== 'create');
  const stored = looks ? await storedVersion(store, actor, event.uuid, known) : undefined;
  if (stored === undefined && mode === 'update') {
    return refuse(entry, 'not-found', `event ${event.uuid} does not exist`, new ServiceError('not-found', 'Invalid event'));
  }
  if (stored !== undefined) {
    if (mode === 'create') {
      // The caller may point at the stored event (MISP's Location), only when the actor sees it.
      if (stored !== 'hidden') entry.eventId = stored.id;
      return refuse(entry, 'exists', EXISTS, new ServiceError('rejected', EXISTS));
    }
    if (actor.kind === 'user' && stored !== 'hidden' && editsAsRemote(actor.user)) {
      // Another instance pushing through its sync user: MISP's rules for a pushed version.
      if (!mayBringVersion(actor.user, { orgcUuid: stored.orgc.uuid, locked: stored.locked === true })) {
        return refuse(entry, 'not-allowed', NOT_AUTHORISED, new ServiceError('forbidden', NOT_AUTHORISED));
      }
      if (!(event.timestamp > stored.timestamp)) return refuse(entry, 'not-allowed', NOT_NEWER, new ServiceError('forbidden', NOT_NEWER));
    } else if (actor.kind === 'user' && (stored === 'hidden' || !mayChange(actor.user, stored))) {
      const reason = `event ${event.uuid} exists and you may not change it`;
      return refuse(entry, 'not-allowed', reason, new ServiceError('forbidden', reason));
    }
  }
  // MISP lets a sync user bring a protected event (or change one) only with a signature by one of its
  // keys; Cairn checks no signatures, so it lets none through. Site admins are not held, as in MISP.
  if (actor.kind === 'user' && maySync(actor.user) && !isSiteAdmin(actor.user) && (event.protected || (stored !== 'hidden' && stored?.protected))) {
    return refuse(entry, 'not-allowed', PROTECTED, new ServiceError('not-allowed', PROTECTED));
  }
  own(event, actor, mode, stored === 'hidden' ? undefined : stored);
  if (options.dryRun) {
    if (stored === undefined || stored === 'hidden') entry.status = 'created';
    else {
      entry.eventId = stored.id;
      entry.status = event.timestamp > stored.timestamp ? 'updated' : 'unchanged';
    }
    return entry;
  }
  // A user's new uuid was seen free above: another request storing it meanwhile must not be merged into.
  const onlyNew = mode === 'create' || (actor.kind === 'user' && stored === undefined);
  const analyst = await analystPlan(store, actor, event);
  let outcome: SaveOutcome | undefined;
  try {
    // A user's edit is the newest version whatever its timestamp; another instance's push must be newer (above).
    const localEdit = mode === 'update' && !(actor.kind === 'user' && editsAsRemote(actor.user));
    outcome = await options.writer.save(event, { onlyNew, localEdit, ...(options.changedItems ? { changedItems: options.changedItems } : {}), ...(analyst.writes.length > 0 ? { analyst: analyst.writes } : {}) });
  } catch (err) {
    const reason = `could not be stored: ${(err as Error).message}`;
    entry.problems.push({ event: event.uuid, item: null, field: 'Event', reason });
    return refuse(entry, 'failed', reason, err);
  }
  if (!outcome) {
    const reason = mode === 'create' ? EXISTS : `event ${event.uuid} was stored by another request at the same time`;
    // An add is not read ahead (a new uuid is the common case): the stored event is looked up only now.
    const held = mode === 'create' ? await storedVersion(store, actor, event.uuid, known) : undefined;
    if (held !== undefined && held !== 'hidden') entry.eventId = held.id;
    return refuse(entry, 'exists', reason, new ServiceError('rejected', reason));
  }
  entry.status = outcome.status === 'exists' ? 'unchanged' : outcome.status;
  entry.eventId = outcome.eventId;
  entry.problems.push(...outcome.problems);
  entry.rejectedAttributes += outcome.rejectedAttributes;
  if (entry.status === 'created' || entry.status === 'updated') entry.storedAttributes = entry.attributes - outcome.rejectedAttributes;
  for (const s of [...analyst.skipped, ...(outcome.analyst?.skipped ?? [])]) {
    entry.problems.push({ event: event.uuid, item: s.uuid, field: 'analyst data', reason: `${s.reason}; left out` });
  }
  return entry;
}

/** How the notes, opinions and relationships the document carries are to be written with their event. */
async function analystPlan(store: Store, actor: Actor, event: MispEvent): Promise<AnalystPlan> {
  if (!event.analyst_data?.length) return { writes: [], skipped: [] };
  const writer: AnalystWriter = actor.kind === 'user' ? { kind: 'user', user: actor.user } : { kind: 'operator', org: event.org ?? event.orgc };
  return planAnalystData(store, writer, event.analyst_data);
}

const EXISTS = 'Event already exists, if you would like to edit it, use the url in the location header.';
const NOT_NEWER = 'Event could not be saved: Event in the request not newer than the local copy.';
const NOT_AUTHORISED = 'Event could not be saved: The user used to edit the event is not authorised to do so. This can be caused by the user not being of the same organisation as the original creator of the event whilst also not being a site administrator.';

/** What the pipeline needs of a stored event: which version it is, and whose. */
type StoredFacts = Pick<StoredEvent, 'id' | 'timestamp' | 'org' | 'orgc' | 'protected' | 'locked'>;

/**
 * The stored event of that uuid as the actor sees it, read narrowly (who owns it, which version), not
 * loaded whole; `hidden` when it exists but he may not see it.
 */
async function storedVersion(store: Store, actor: Actor, uuid: string, known: Map<string, StoredEvent>): Promise<StoredFacts | 'hidden' | undefined> {
  const given = known.get(uuid);
  if (given) return given;
  if (!(await eventUuidTaken(store, uuid))) return undefined;
  const o = await eventOwnership(store, actor.kind === 'user' ? viewerOf(actor.user) : OPERATOR, { uuid });
  if (!o) return 'hidden';
  return { id: o.id, timestamp: o.timestamp, org: { uuid: o.orgUuid, name: o.orgName }, orgc: { uuid: o.orgcUuid, name: o.orgcName }, protected: o.protected, locked: o.locked };
}

/** Why the blocklists refuse an event, in MISP's words; its creator is the one `own` will give it. */
function blockOf(event: MispEvent, actor: Actor, blocked: Blocked): string | undefined {
  if (blocked.events.has(event.uuid)) return 'Event blocked by event blocklist.';
  const creator = actor.kind === 'user' && !keepsCreator(actor.user) ? actor.user.org.uuid : event.orgc.uuid;
  if (blocked.orgs.has(creator)) return ORG_BLOCKED;
  return undefined;
}

const ORG_BLOCKED = 'Event blocked by organisation blocklist.';
const PROTECTED = 'Protected event failed signature validation.';

/**
 * Takes off an event the tags its user may not put on, by the rules an import holds to: those he may not
 * make (perm_tag_editor) and those restricted to another organisation or user; each is reported. For the
 * writes of a part of an event that do not go through runImport (objects/add, objects/edit).
 */
export async function withoutRefusedTags(store: Store, user: User, event: MispEvent, stored?: MispEvent): Promise<ImportProblem[]> {
  const problems = mayEditTags(user) ? [] : await withoutNewTags(store, event);
  problems.push(...withoutRestrictedTags(event, user, await restrictedTags(store), stored));
  return problems;
}

/**
 * Takes off the tags restricted to another organisation or user than the importing user's, as MISP's
 * captureTag leaves them off; each is reported. Tags the stored event carries already stay.
 */
function withoutRestrictedTags(event: MispEvent, user: User, restricted: ReadonlyMap<string, TagRestriction>, stored?: MispEvent): ImportProblem[] {
  if (restricted.size === 0) return [];
  // An edit keeps what the stored event already carries: it only may not add such a tag.
  const held = new Set(stored ? [...stored.tags, ...stored.attributes.flatMap((a) => a.tags), ...stored.objects.flatMap((o) => o.attributes.flatMap((a) => a.tags))].map((t) => t.name) : []);
  const problems: ImportProblem[] = [];
  const keep = (tags: MispEvent['tags'], item: string | null) => tags.filter((t) => {
    const r = held.has(t.name) ? undefined : restricted.get(t.name);
    const refusal = r && tagRestrictionRefusal(user, r);
    if (refusal) problems.push({ event: event.uuid, item, field: 'Tag', value: t.name, reason: `${refusal} Left out.` });
    return !refusal;
  });
  event.tags = keep(event.tags, null);
  for (const a of event.attributes) a.tags = keep(a.tags, a.uuid);
  for (const o of event.objects) for (const a of o.attributes) a.tags = keep(a.tags, a.uuid);
  return problems;
}

/**
 * Takes off the tags that do not exist here yet, for a user who may not make tags (perm_tag_editor), as
 * MISP's captureTag leaves them off; each is reported. A galaxy cluster's tag is made whoever attaches the
 * cluster, as MISP forces it.
 */
async function withoutNewTags(store: Store, event: MispEvent): Promise<ImportProblem[]> {
  const all = (tags: MispEvent['tags']) => tags.map((t) => t.name).filter((n) => !n.startsWith(GALAXY_TAG));
  const names = [...new Set([...all(event.tags), ...event.attributes.flatMap((a) => all(a.tags)), ...event.objects.flatMap((o) => o.attributes.flatMap((a) => all(a.tags)))])];
  if (names.length === 0) return [];
  const existing = await existingTagNames(store, names);
  if (existing.size === names.length) return [];
  const problems: ImportProblem[] = [];
  const keep = (tags: MispEvent['tags'], item: string | null) => tags.filter((t) => {
    if (t.name.startsWith(GALAXY_TAG) || existing.has(t.name)) return true;
    problems.push({ event: event.uuid, item, field: 'Tag', value: t.name, reason: 'No such tag, and making tags takes perm_tag_editor. Left out.' });
    return false;
  });
  event.tags = keep(event.tags, null);
  for (const a of event.attributes) a.tags = keep(a.tags, a.uuid);
  for (const o of event.objects) for (const a of o.attributes) a.tags = keep(a.tags, a.uuid);
  return problems;
}

const GALAXY_TAG = 'misp-galaxy:';

/** Content sent to a TAXII collection carries what makes it part of that collection. */
function place(event: MispEvent, placement: Placement = {}): void {
  if (placement.tag && !event.tags.some((t) => t.name === placement.tag)) {
    event.tags.push({ name: placement.tag, colour: null, local: false, relationship_type: null });
  }
  if (placement.sharingGroupId !== undefined) {
    event.distribution = 4;
    event.sharing_group = { id: placement.sharingGroupId };
  }
}

/**
 * A user's events are his organisation's; the creator the document names is kept for those the policy
 * lets keep it. An edit changes an event's content, never who owns it.
 */
function own(event: MispEvent, actor: Actor, mode: ImportMode, stored: StoredFacts | undefined): void {
  // Only another instance's sync user (or a site admin) marks an event as having come from elsewhere, as
  // MISP's push sends it; an edit never changes the flag, as in MISP.
  if (mode === 'update' || (actor.kind === 'user' && !keepsCreator(actor.user))) delete event.locked;
  if (mode === 'update' && stored) {
    event.orgc = stored.orgc;
    event.org = stored.org ?? stored.orgc;
    if (actor.kind === 'user' && !mayPublishRole(actor.user)) event.published = false;
    return;
  }
  if (actor.kind === 'operator') return;
  // As MISP does: a user who may not publish stores a published document as a draft (not a refusal).
  if (!mayPublishRole(actor.user)) event.published = false;
  const org = { uuid: actor.user.org.uuid, name: actor.user.org.name };
  event.org = org;
  if (!keepsCreator(actor.user)) event.orgc = org;
}
