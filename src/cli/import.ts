import { SingleBar } from 'cli-progress';
import { describeProblem } from '../model/problems.js';
import { readInputs } from '../formats/input.js';
import { IMPORT_WRITERS, importEvents } from '../services/import/bulk.js';
import { wasComplete, type ImportTotals } from '../services/import/pipeline.js';
import type { EventDistribution } from '../model/event.js';
import { CliError, whole, withStore } from './context.js';
import { readFileSync } from 'node:fs';
import { OPERATOR } from '../access/viewer.js';
import { loadEvent, parseEventRef } from '../store/events/reader.js';
import { enabledWarninglists } from '../store/libraries/warninglists.js';
import { addFreeTextAttributes, findingsAsAttributes, freeTextFindings } from '../services/events/free-text.js';
import { WriteQueue } from '../services/write-queue.js';

export interface ImportCliOptions {
  distribution?: string;
  quiet?: boolean;
  /** A text file whose indicators are added to --event, as the free-text import types them. */
  freetext?: string;
  event?: string;
  enforceWarninglist?: boolean;
  /** PostgreSQL: transactions writing at once (bulk.ts IMPORT_WRITERS). */
  writers?: string;
}

export function formatSummary(s: ImportTotals): string {
  const e = s.events;
  return `events: ${e.created} imported, ${e.updated} updated, ${e.unchanged} unchanged, ${e.rejected} rejected; ` +
    `attributes: ${s.attributes.stored} stored, ${s.attributes.rejected} rejected`;
}

/** `cairn import PATH…`: exit 0 when all was stored, 2 when some input was rejected. */
export async function importCommand(paths: string[], options: ImportCliOptions): Promise<number> {
  if (options.freetext !== undefined || options.event !== undefined) return freeTextCommand(paths, options);
  if (paths.length === 0) throw new CliError('name the files or folders to import, or - for standard input');
  let distribution: EventDistribution | undefined;
  if (options.distribution !== undefined) {
    const d = Number(options.distribution);
    if (!/^[0-4]$/.test(options.distribution)) throw new CliError(`--distribution must be 0, 1, 2, 3 or 4, not "${options.distribution}"`);
    distribution = d as EventDistribution;
  }
  const writers = whole(options.writers, '--writers', IMPORT_WRITERS, 16);
  const tty = process.stderr.isTTY && !options.quiet;
  const bar = tty ? new SingleBar({ format: 'importing {bar} {value} events | {created} new, {updated} updated, {rejected} rejected', stream: process.stderr, hideCursor: true }) : undefined;
  bar?.start(0, 0, { created: 0, updated: 0, rejected: 0 });
  const totals = await withStore((store) =>
    importEvents(store, readInputs(paths), {
      ...(distribution !== undefined ? { defaultDistribution: distribution } : {}),
      writers,
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

/**
 * `cairn import --freetext FILE --event ID`: the indicators of a text (a report, a list) added to an
 * event as attributes, typed as the API's free-text import types them; with --enforce-warninglist, the
 * values on an enabled warninglist are left out. Prints what was added.
 */
async function freeTextCommand(paths: string[], options: ImportCliOptions): Promise<number> {
  if (options.freetext === undefined) throw new CliError('--event goes with --freetext FILE');
  if (options.event === undefined) throw new CliError('--freetext needs --event ID: the event the indicators are added to');
  if (paths.length > 0) throw new CliError('--freetext reads one file: give no other paths');
  const ref = parseEventRef(options.event);
  if (!ref) throw new CliError(`--event must be an event id or uuid, not "${options.event}"`);
  let text: string;
  try {
    text = options.freetext === '-' ? readFileSync(0, 'utf8') : readFileSync(options.freetext, 'utf8');
  } catch (err) {
    throw new CliError(`--freetext: ${(err as Error).message}`);
  }
  return withStore(async (store) => {
    const event = await loadEvent(store, OPERATOR, ref);
    if (!event) throw new CliError(`--event: there is no event ${options.event}`);
    const findings = freeTextFindings(text);
    const lists = options.enforceWarninglist ? await enabledWarninglists(store) : undefined;
    const chosen = findingsAsAttributes(findings, lists ? 'hard' : 'off', lists);
    const saved = await addFreeTextAttributes(store, new WriteQueue(store), 'operator', event, chosen);
    for (const a of saved) process.stdout.write(`${a.type}\t${a.value}\n`);
    const left = findings.length - chosen.length;
    process.stderr.write(`event ${event.id}: ${saved.length} attribute(s) added of ${findings.length} indicator(s) found${left > 0 ? `; ${left} on enabled warninglists left out` : ''}\n`);
    return 0;
  });
}
