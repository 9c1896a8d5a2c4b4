import { OPERATOR } from '../access/viewer.js';
import { writeFeed } from '../formats/misp-feed/write.js';
import { parseEventRef } from '../store/events/reader.js';
import { CliError, withStore } from './context.js';
import { EXPORT_FORMATS } from '../formats/exports/index.js';
import { enabledWarninglists } from '../store/libraries/warninglists.js';
import { prepareExport, selectedEvents, type EventSelection, type ExportContext } from '../services/export/loop.js';
import { ServiceError } from '../services/errors.js';
import { writeChunks } from './output.js';

export interface ExportCliOptions {
  all?: boolean;
  format: string;
  out?: string;
  enforceWarninglist?: boolean;
  grouping?: boolean;
}

export const EXPORT_FORMAT_NAMES = ['misp-json', 'misp-feed', 'stix2', ...Object.keys(EXPORT_FORMATS)];
const FORMATS = EXPORT_FORMAT_NAMES;

/**
 * `cairn export EVENT|--all --format FORMAT [--out PATH] [--enforce-warninglist]`: MISP JSON, a MISP feed, a
 * STIX 2.1 bundle (each event a report, or a grouping with --grouping), or one of restSearch's line
 * formats (csv, text, hashes, cache, suricata, snort, zeek, rpz), through the export loop the API answers
 * restSearch with, as the operator sees the store.
 */
export async function exportCommand(eventArg: string | undefined, options: ExportCliOptions): Promise<number> {
  if (!FORMATS.includes(options.format)) throw new CliError(`unknown --format "${options.format}"; use one of ${FORMATS.join(', ')}`);
  if (!eventArg === !options.all) throw new CliError('name one EVENT (uuid or id) or give --all');
  const ref = eventArg ? parseEventRef(eventArg) : undefined;
  if (eventArg && !ref) throw new CliError(`"${eventArg}" is neither an event id nor a uuid`);
  if (options.format === 'misp-feed') {
    if (!options.out) throw new CliError('--format misp-feed writes a folder: give it with --out DIR');
    if (ref) throw new CliError('a feed holds every event: use --all with --format misp-feed');
  }
  return withStore(async (store) => {
    const context: ExportContext = {
      store, viewer: OPERATOR, baseUrl: process.env.CAIRN_BASE_URL?.trim() || 'http://127.0.0.1:8080',
      ...(options.enforceWarninglist ? { warninglists: await enabledWarninglists(store) } : {}),
    };
    const events: EventSelection = ref ? { ref } : { every: true };
    if (options.format === 'misp-feed') {
      const n = await writeFeed(options.out!, selectedEvents(context, events));
      process.stderr.write(`wrote a MISP feed of ${n} events to ${options.out}\n`);
      return 0;
    }
    try {
      const out = await prepareExport(context, {
        format: options.format === 'misp-json' ? 'json' : options.format, scope: { events },
        stixContainer: options.grouping ? 'grouping' : 'report', jsonLayout: ref ? 'single' : 'lines',
        // An export is to be imported elsewhere: what analysts said about the events goes with them.
        includeAnalystData: true,
      });
      await writeChunks(out.chunks, options.out);
    } catch (err) {
      if (err instanceof ServiceError) throw new CliError(err.kind === 'not-found' ? `no event ${eventArg}` : err.message);
      throw err;
    }
    return 0;
  });
}
