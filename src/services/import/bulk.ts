import type { EventDistribution } from '../../model/event.js';
import type { ImportProblem } from '../../model/problems.js';
import type { InputItem } from '../../formats/input.js';
import type { Store } from '../../store/db/database.js';
import { EventSaver } from '../../store/events/writer.js';
import { parseInputs } from './parse-pool.js';
import { GroupingWriter, GROUP_EVENTS, groupsInFlight } from './grouped-writer.js';
import { OPERATOR_ACTOR, parseOptionsFor, runImport, type EventWriter, type ImportEntry, type ImportTotals } from './pipeline.js';

export interface BulkImportOptions {
  defaultDistribution?: EventDistribution;
  /** Called after each event, stored or not, with the totals so far. */
  onEntry?: (entry: ImportEntry, totals: ImportTotals) => void;
  /** Called with every problem of each event, with where the event came from. */
  onProblem?: (problem: ImportProblem, source: string) => void;
  /**
   * PostgreSQL: transactions writing at once, each on a connection of its own (grouped-writer.ts; default
   * IMPORT_WRITERS). The embedded store has one writer.
   */
  writers?: number;
}

/**
 * Two: at 10^7 attributes on two cores, two transactions writing at once took the import into
 * PostgreSQL (with the README's settings for a large store) from 532 to 351–433 s (docs/scaling.md,
 * session 14). Cairn's own share (25–31 µs per attribute, one thread) bounds what more would give.
 */
export const IMPORT_WRITERS = 2;

/**
 * The operator's import of files and streams: parsed on a worker thread, written in large commit groups.
 * Each event is atomic: whatever happens, every event is either wholly stored or absent.
 */
export async function importEvents(store: Store, items: AsyncIterable<InputItem>, options: BulkImportOptions = {}): Promise<ImportTotals> {
  const writers = store.dialect === 'postgres' ? Math.max(1, Math.floor(options.writers ?? IMPORT_WRITERS)) : 1;
  const savers = Array.from({ length: writers }, () => new EventSaver(store, { dictionaryOutside: writers > 1 }));
  // The saver merges a known uuid itself; `exists` only answers onlyNew, which the operator never asks.
  // PostgreSQL: events in flight together, written a statement for many (grouped-writer.ts). The operator's
  // pipeline reads no stored version ahead, and a saver merges each version of a uuid by its timestamp,
  // so events in flight at once, or on two savers, decide nothing against each other.
  const grouping = store.dialect === 'postgres' ? new GroupingWriter(savers) : undefined;
  const saver = savers[0]!;
  const writer: EventWriter = grouping ?? { save: async (event, o) => {
    const saved = await saver.save(event, o);
    return saved.status === 'exists' ? undefined : saved;
  } };
  try {
    const totals = await runImport(store, parseInputs(items, parseOptionsFor(OPERATOR_ACTOR, options.defaultDistribution ?? 1), grouping ? GROUP_EVENTS : undefined), {
      actor: OPERATOR_ACTOR, writer, ...(grouping ? groupsInFlight(writers) : {}),
      onEntry: (entry, t) => {
        if (options.onProblem) for (const p of entry.problems) options.onProblem(p, entry.source);
        options.onEntry?.(entry, t);
      },
    });
    if (grouping) await grouping.finish();
    else await saver.flush();
    return totals;
  } catch (err) {
    if (grouping) await grouping.abandon();
    else await saver.abandon();
    throw err;
  }
}
