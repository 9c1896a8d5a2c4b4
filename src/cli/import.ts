import { SingleBar } from 'cli-progress';
import { describeProblem } from '../model/problems.js';
import { readInputs } from '../formats/input.js';
import { importEvents, wasComplete, type ImportSummary } from '../services/import/bulk.js';
import type { EventDistribution } from '../model/event.js';
import { CliError, withStore } from './context.js';

export interface ImportCliOptions {
  distribution?: string;
  quiet?: boolean;
}

export function formatSummary(s: ImportSummary): string {
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
  const summary = await withStore((store) =>
    importEvents(store, readInputs(paths), {
      ...(distribution !== undefined ? { defaultDistribution: distribution } : {}),
      onProblem: (p, source) => {
        // Clear the progress line first so that each problem stands on its own line.
        process.stderr.write(`${tty ? '\r\x1b[K' : ''}${source}: ${describeProblem(p)}\n`);
      },
      onEvent: (s) => {
        const done = s.events.created + s.events.updated + s.events.unchanged + s.events.rejected;
        bar?.setTotal(done);
        bar?.update(done, { created: s.events.created, updated: s.events.updated, rejected: s.events.rejected });
      },
    }),
  );
  bar?.stop();
  process.stderr.write(`${formatSummary(summary)}\n`);
  return wasComplete(summary) ? 0 : 2;
}
