/** `tsx bench/generate.ts --attributes N --out DIR [--seed S]`: writes a MISP feed of N generated attributes. */
import { mkdirSync, writeFileSync } from 'node:fs';
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
const manifest: Record<string, unknown> = {};
let events = 0;
for (const doc of generateEvents({ attributes: Number(values.attributes), seed: Number(values.seed) })) {
  const e = doc.Event as { uuid: string; info: string; date: string; timestamp: string; Orgc: unknown; Tag: unknown };
  writeFileSync(join(dir, `${e.uuid}.json`), JSON.stringify(doc));
  manifest[e.uuid] = { Orgc: e.Orgc, Tag: e.Tag, info: e.info, date: e.date, timestamp: e.timestamp };
  events++;
}
writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
console.error(`wrote ${events} events with ${values.attributes} attributes to ${dir}`);
