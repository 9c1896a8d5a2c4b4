import { stixToEvents } from '../../formats/stix/import.js';
import { describeProblem, type ImportProblem } from '../../model/problems.js';
import type { EventDistribution } from '../../model/event.js';
import type { Store } from '../../store/db/database.js';
import { isObject } from '../../formats/misp-json/coerce.js';
import { ServiceError } from '../errors.js';
import { parseEvents } from './parsed-event.js';
import { parseOptionsFor, runImport, type Actor, type EventWriter, type ImportEntry, type ImportOptions, type ImportOutcome } from './pipeline.js';

export type DocumentImportOptions = Pick<ImportOptions, 'mode' | 'placement' | 'dryRun' | 'known' | 'changedItems'> & {
  /** Distribution of events that carry none. */
  defaultDistribution?: EventDistribution;
};

/** Imports documents a client sent (each an event, bare or as `{"Event": …}`) through the pipeline, keeping every entry for the answer. */
export async function importDocuments(store: Store, writer: EventWriter, actor: Actor, docs: Iterable<unknown>,
  options: DocumentImportOptions = {}): Promise<ImportOutcome> {
  const { defaultDistribution, ...rest } = options;
  const all = [...docs];
  const parsed = parseEvents(all.map((json) => ({ source: 'upload', json })), parseOptionsFor(actor, defaultDistribution));
  const entries: ImportEntry[] = [];
  const totals = await runImport(store, parsed, { ...rest, actor, writer, onEntry: (e) => entries.push(e) });
  // An event that could not be read is still named as its document names it, for the client to find it.
  entries.forEach((e, i) => {
    const doc = all[i];
    const raw = isObject(doc) && isObject(doc.Event) ? doc.Event : doc;
    if (e.refusal?.kind === 'unreadable' && isObject(raw)) {
      e.uuid = String(raw.uuid ?? '');
      e.info = String(raw.info ?? '');
    }
  });
  return { entries, totals };
}

/** An entry as the web interface's import answers it. */
export function entryView(e: ImportEntry) {
  return {
    uuid: e.uuid, info: e.info, status: e.status, ...(e.eventId !== undefined ? { eventId: e.eventId } : {}), ...(e.reason !== undefined ? { reason: e.reason } : {}),
    attributes: e.attributes, objects: e.objects, problems: e.problems.map(describeProblem),
  };
}

const uuidOf = (stixId: string) => stixId.slice(stixId.indexOf('--') + 2);

/**
 * Imports a STIX 2.1 bundle: its events through the pipeline, and every STIX object accounted for,
 * stored or in `failures` by id with the reason (the event's refusal, or the problem of its item).
 */
export async function importStix(store: Store, writer: EventWriter, actor: Actor, bundle: unknown,
  options: Pick<ImportOptions, 'placement' | 'dryRun'> = {}): Promise<ImportOutcome & { failures: Map<string, string> }> {
  let read;
  try {
    read = stixToEvents(bundle);
  } catch (err) {
    throw new ServiceError('invalid', (err as Error).message);
  }
  const outcome = await importDocuments(store, writer, actor, read.events, options);
  const failures = new Map<string, string>();
  read.events.forEach((doc, i) => {
    const entry = outcome.entries[i]!;
    const members = read.members.get(String(doc.Event.uuid ?? '')) ?? [];
    const fail = (id: string, reason: string) => {
      if (!failures.has(id)) failures.set(id, reason);
    };
    const itemFailures = (problems: readonly ImportProblem[]) => {
      for (const p of problems) for (const id of members) if (p.item && uuidOf(id) === p.item) fail(id, describeProblem(p));
    };
    if (entry.refusal?.kind !== 'unreadable') itemFailures(entry.problems);
    if (entry.status === 'refused') for (const id of members) fail(id, entry.reason ?? 'refused');
  });
  for (const u of read.unmapped) if (!failures.has(u.id)) failures.set(u.id, u.reason);
  return { ...outcome, failures };
}
