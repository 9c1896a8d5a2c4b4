/**
 * `tsx bench/generate.ts --attributes N --out DIR [--seed S]`: writes a MISP feed of N generated attributes.
 * Memory stays bounded whatever N (a corpus of 10^8 attributes is 230,000 events): one event is held at a
 * time, and the manifest is written entry by entry as the events are, not gathered first.
 */
import { closeSync, mkdirSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateEvents } from './corpus.js';

const { values } = parseArgs({ options: { attributes: { type: 'string', default: '1000000' }, out: { type: 'string' }, seed: { type: 'string', default: '1' } } });
if (!values.out || !/^\d+$/.test(values.attributes!)) {
  console.error('usage: tsx bench/generate.ts --attributes N --out DIR [--seed S]');
  process.exit(1);
}
const dir = values.out;
mkdirSync(dir, { recursive: true });
// Written under another name and renamed last, so that a run cut short leaves no manifest (run.sh regenerates).
const manifest = openSync(join(dir, 'manifest.json.part'), 'w');
writeSync(manifest, '{');
let events = 0;
for (const doc of generateEvents({ attributes: Number(values.attributes), seed: Number(values.seed) })) {
  const e = doc.Event as { uuid: string; info: string; date: string; timestamp: string; Orgc: unknown; Tag: unknown };
  writeFileSync(join(dir, `${e.uuid}.json`), JSON.stringify(doc));
  const entry = { Orgc: e.Orgc, Tag: e.Tag, info: e.info, date: e.date, timestamp: e.timestamp };
  writeSync(manifest, `${events === 0 ? '' : ','}\n${JSON.stringify(e.uuid)}:${JSON.stringify(entry)}`);
  events++;
}
writeSync(manifest, '\n}\n');
closeSync(manifest);
renameSync(join(dir, 'manifest.json.part'), join(dir, 'manifest.json'));
console.error(`wrote ${events} events with ${values.attributes} attributes to ${dir} (peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB)`);
