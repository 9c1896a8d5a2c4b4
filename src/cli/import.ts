import { SingleBar } from 'cli-progress';
import { describeProblem } from '../model/problems.js';
import { readInputs } from '../formats/input.js';
import { importEvents } from '../services/import/bulk.js';
import { wasComplete, type ImportTotals } from '../services/import/pipeline.js';
import type { EventDistribution } from '../model/event.js';
import { CliError, withStore } from './context.js';

export interface ImportCliOptions {
  distribution?: string;
  quiet?: boolean;
}

export function formatSummary(s: ImportTotals): string {
  const e = s.events;
  return `events: ${e.created} imported, ${e.updated} updated, ${e.unchanged} unchanged, ${e.rejected} rejected; ` +
    `attributes: ${s.attributes.stored} stored, ${s.attributes.rejected} rejected`;
}

/** `cairn import PATH…`: exit 0 when all was stored, 2 when some input was rejected. */
export async function importCommand(paths: string[], options: ImportCliOptions): Promise<number> {
  let distribution: EventDistribution | undefined;
  if (options.distribution !== undefined) {
    const d = Number(options.distribution);
    if (!/^[0-4]$/.test(options.distribution)) throw new CliError(`--distribution must be 0, 1, 2, 3 or 4, not "${options.distribution}"`);
    distribution = d as EventDistribution;
  }
  const tty = process.stderr.isTTY && !options.quiet;
  const bar = tty ? new SingleBar({ format: 'importing {bar} {value} events | {created} new, {updated} updated, {rejected} rejected', stream: process.stderr, hideCursor: true }) : undefined;
  bar?.start(0, 0, { created: 0, updated: 0, rejected: 0 });
  const totals = await withStore((store) =>
    importEvents(store, readInputs(paths), {
      ...(distribution !== undefined ? { defaultDistribution: distribution } : {}),
      onEntry: (entry, t) => {
        // Clear the progress line first so that each problem stands on its own line.
        for (const p of entry.problems) process.stderr.write(`${tty ? '\r\x1b[K' : ''}${entry.source}: ${describeProblem(p)}\n`);
        const done = t.events.created + t.events.updated + t.events.unchanged + t.events.rejected;
        bar?.setTotal(done);
        bar?.update(done, { created: t.events.created, updated: t.events.updated, rejected: t.events.rejected });
      },
    }),
  );
  bar?.stop();
  process.stderr.write(`${formatSummary(totals)}\n`);
  return wasComplete(totals) ? 0 : 2;
}
