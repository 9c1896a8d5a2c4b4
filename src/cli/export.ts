import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { OPERATOR } from '../access/viewer.js';
import { writeFeed } from '../formats/misp-feed/write.js';
import { serializeMispEvent } from '../formats/misp-json/serialize.js';
import type { MispEvent } from '../model/event.js';
import type { Store } from '../store/database.js';
import { loadEvent, parseEventRef, visibleEventIds } from '../store/event-reader.js';
import { CliError, withStore } from './context.js';
import { warninglistsOf, withoutWarninglisted } from '../correlation/warninglists/enforce.js';
import { EXPORT_FORMATS } from '../formats/exports/index.js';
import { exportAttributes } from '../store/export-stream.js';
import type { WarninglistIndex } from '../correlation/warninglists/index.js';
import { enabledWarninglists } from '../store/warninglists.js';
import { stixBundleText } from '../services/export/stix.js';

export interface ExportCliOptions {
  all?: boolean;
  format: string;
  out?: string;
  enforceWarninglist?: boolean;
  grouping?: boolean;
}

export const EXPORT_FORMAT_NAMES = ['misp-json', 'misp-feed', 'stix2', ...Object.keys(EXPORT_FORMATS)];
const FORMATS = EXPORT_FORMAT_NAMES;

async function* allEvents(store: Store, lists: WarninglistIndex | undefined): AsyncGenerator<MispEvent> {
  for await (const id of visibleEventIds(store, OPERATOR)) {
    const e = await loadEvent(store, OPERATOR, { id });
    if (e) yield withoutWarninglisted(e, lists);
  }
}

async function write(out: NodeJS.WritableStream | WriteStream, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

/**
 * `cairn export EVENT|--all --format FORMAT [--out PATH] [--enforce-warninglist]`: MISP JSON, a MISP feed, a
 * STIX 2.1 bundle (each event a report, or a grouping with --grouping), or one of restSearch's line
 * formats (csv, text, hashes, cache, suricata, snort, zeek, rpz).
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
    const lists = options.enforceWarninglist ? await enabledWarninglists(store) : undefined;
    const lineFormat = EXPORT_FORMATS[options.format];
    if (lineFormat) {
      const stored = ref && (await loadEvent(store, OPERATOR, ref));
      if (ref && !stored) throw new CliError(`no event ${eventArg}`);
      const out = options.out ? createWriteStream(options.out) : process.stdout;
      // As restSearch does: detection formats take to_ids attributes of published events.
      const filter = { ...(stored ? { eventIds: [stored.id] } : {}), ...(lineFormat.detection ? { toIds: true, published: true } : {}) };
      const exporter = lineFormat.make({ baseUrl: process.env.CAIRN_BASE_URL?.trim() || 'http://127.0.0.1:8080' });
      await write(out, exporter.header());
      for await (const page of exportAttributes(store, OPERATOR, filter)) {
        let chunk = '';
        for (const a of page) if (!lists || warninglistsOf(lists, a).length === 0) chunk += exporter.add(a);
        await write(out, chunk);
      }
      await write(out, exporter.footer());
      if (out !== process.stdout) {
        (out as WriteStream).end();
        await once(out, 'finish');
      }
      return 0;
    }
    if (options.format === 'misp-feed') {
      const n = await writeFeed(options.out!, allEvents(store, lists));
      process.stderr.write(`wrote a MISP feed of ${n} events to ${options.out}\n`);
      return 0;
    }
    const out = options.out ? createWriteStream(options.out) : process.stdout;
    if (options.format === 'stix2') {
      const e = ref && (await loadEvent(store, OPERATOR, ref));
      if (ref && !e) throw new CliError(`no event ${eventArg}`);
      const events = e ? (async function* () { yield withoutWarninglisted(e, lists); })() : allEvents(store, lists);
      for await (const text of stixBundleText(store, events, options.grouping ? 'grouping' : 'report')) await write(out, text);
    } else if (ref) {
      const e = await loadEvent(store, OPERATOR, ref);
      if (!e) throw new CliError(`no event ${eventArg}`);
      await write(out, `${JSON.stringify(serializeMispEvent(withoutWarninglisted(e, lists)), null, 2)}\n`);
    } else {
      // One event per line inside the wrapper keeps the output streamable and diffable.
      await write(out, '{"response": [');
      let first = true;
      for await (const e of allEvents(store, lists)) {
        await write(out, `${first ? '\n' : ',\n'}${JSON.stringify(serializeMispEvent(e))}`);
        first = false;
      }
      await write(out, '\n]}\n');
    }
    if (out !== process.stdout) {
      (out as WriteStream).end();
      await once(out, 'finish');
    }
    return 0;
  });
}
