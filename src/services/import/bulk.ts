import type { EventDistribution } from '../../model/event.js';
import type { ImportProblem } from '../../model/problems.js';
import type { InputItem } from '../../formats/input.js';
import type { Store } from '../../store/database.js';
import { EventSaver } from '../../store/event-writer.js';
import { parseInputs } from './parse-pool.js';

export interface ImportSummary {
  events: { created: number; updated: number; unchanged: number; rejected: number };
  attributes: { stored: number; rejected: number };
  /** Problems found, rejections and corrections alike (each is also handed to onProblem as found). */
  problems: number;
}

export interface ImportOptions {
  defaultDistribution?: EventDistribution;
  /** Called with every problem as soon as it is found, so that a long import reports as it goes. */
  onProblem?: (problem: ImportProblem, source: string) => void;
  /** Called after each event, stored or not. */
  onEvent?: (summary: ImportSummary) => void;
}

export function emptySummary(): ImportSummary {
  return { events: { created: 0, updated: 0, unchanged: 0, rejected: 0 }, attributes: { stored: 0, rejected: 0 }, problems: 0 };
}

/** True when every event and attribute of the input was stored. */
export function wasComplete(s: ImportSummary): boolean {
  return s.events.rejected === 0 && s.attributes.rejected === 0;
}

/** Imports events, each atomically: whatever happens, every event is either wholly stored or absent. */
export async function importEvents(store: Store, items: AsyncIterable<InputItem>, options: ImportOptions = {}): Promise<ImportSummary> {
  const saver = new EventSaver(store);
  try {
    const summary = await importWith(saver, items, options);
    await saver.flush();
    return summary;
  } catch (err) {
    await saver.abandon();
    throw err;
  }
}

async function importWith(saver: EventSaver, items: AsyncIterable<InputItem>, options: ImportOptions): Promise<ImportSummary> {
  const summary = emptySummary();
  const report = (p: ImportProblem, source: string) => {
    summary.problems++;
    options.onProblem?.(p, source);
  };
  for await (const item of parseInputs(items, { defaultDistribution: options.defaultDistribution ?? 1 })) {
    if ('error' in item) {
      summary.events.rejected++;
      report({ event: null, item: null, field: 'input', reason: item.error }, item.source);
      options.onEvent?.(summary);
      continue;
    }
    const parsed = item.parsed;
    for (const p of parsed.problems) report(p, item.source);
    summary.attributes.rejected += parsed.rejectedAttributes;
    const event = parsed.event;
    if (!event) {
      summary.events.rejected++;
      options.onEvent?.(summary);
      continue;
    }
    try {
      const saved = await saver.save(event);
      summary.events[saved.status === 'exists' ? 'unchanged' : saved.status]++;
      for (const p of saved.problems) report(p, item.source);
      summary.attributes.rejected += saved.rejectedAttributes;
      if (saved.status === 'created' || saved.status === 'updated') {
        const total = event.attributes.length + event.objects.reduce((n, o) => n + o.attributes.length, 0);
        summary.attributes.stored += total - saved.rejectedAttributes;
      }
    } catch (err) {
      summary.events.rejected++;
      report({ event: event.uuid, item: null, field: 'Event', reason: `could not be stored: ${(err as Error).message}` }, item.source);
    }
    options.onEvent?.(summary);
  }
  return summary;
}
