import type { EventDistribution } from '../../model/event.js';
import type { ImportProblem } from '../../model/problems.js';
import type { InputItem } from '../../formats/input.js';
import type { Store } from '../../store/db/database.js';
import { EventSaver } from '../../store/events/writer.js';
import { parseInputs } from './parse-pool.js';
import { GroupingWriter, GROUP_EVENTS, GROUP_ATTRIBUTES_IN_FLIGHT } from './grouped-writer.js';
import { OPERATOR_ACTOR, parseOptionsFor, runImport, type EventWriter, type ImportEntry, type ImportTotals } from './pipeline.js';

export interface BulkImportOptions {
  defaultDistribution?: EventDistribution;
  /** Called after each event, stored or not, with the totals so far. */
  onEntry?: (entry: ImportEntry, totals: ImportTotals) => void;
  /** Called with every problem of each event, with where the event came from. */
  onProblem?: (problem: ImportProblem, source: string) => void;
}

/**
 * The operator's import of files and streams: parsed on a worker thread, written in large commit groups.
 * Each event is atomic: whatever happens, every event is either wholly stored or absent.
 */
export async function importEvents(store: Store, items: AsyncIterable<InputItem>, options: BulkImportOptions = {}): Promise<ImportTotals> {
  const saver = new EventSaver(store);
  // The saver merges a known uuid itself; `exists` only answers onlyNew, which the operator never asks.
  // PostgreSQL: events in flight together, written a statement for many (grouped-writer.ts). The operator's
  // pipeline reads no stored version ahead, and the saver writes two versions of one uuid in turn, so
  // several events in flight decide nothing against each other.
  const grouping = store.dialect === 'postgres' ? new GroupingWriter(saver) : undefined;
  const writer: EventWriter = grouping ?? { save: async (event, o) => {
    const saved = await saver.save(event, o);
    return saved.status === 'exists' ? undefined : saved;
  } };
  try {
    const totals = await runImport(store, parseInputs(items, parseOptionsFor(OPERATOR_ACTOR, options.defaultDistribution ?? 1), grouping ? GROUP_EVENTS : undefined), {
      actor: OPERATOR_ACTOR, writer, ...(grouping ? { concurrency: GROUP_EVENTS, attributesInFlight: GROUP_ATTRIBUTES_IN_FLIGHT } : {}),
      onEntry: (entry, t) => {
        if (options.onProblem) for (const p of entry.problems) options.onProblem(p, entry.source);
        options.onEntry?.(entry, t);
      },
    });
    await grouping?.drain();
    await saver.flush();
    return totals;
  } catch (err) {
    await grouping?.drain().catch(() => undefined);
    await saver.abandon();
    throw err;
  }
}
