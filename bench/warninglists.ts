/**
 * `tsx bench/warninglists.ts [--dir DIR]`: checks generated values of every type against every list of a
 * misp-warninglists directory (all enabled). Prints one JSON line.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readWarninglistDirectory } from '../src/correlation/warninglists/format.js';
import { WarninglistIndex } from '../src/correlation/warninglists/index.js';
import { generateEvents } from './corpus.js';

const { values } = parseArgs({ options: { dir: { type: 'string', default: join(import.meta.dirname, '..', '..', 'shared', 'data', 'misp', 'misp-warninglists') } } });
let t = performance.now();
const lists = readWarninglistDirectory(values.dir!);
const index = new WarninglistIndex(lists);
const buildSeconds = (performance.now() - t) / 1000;

const sample: Array<[string, string]> = [];
for (const doc of generateEvents({ attributes: 200_000, seed: 5 })) {
  const e = doc.Event as { Attribute: Array<{ type: string; value: string }>; Object: Array<{ Attribute: Array<{ type: string; value: string }> }> };
  for (const a of [...e.Attribute, ...e.Object.flatMap((o) => o.Attribute)]) sample.push([a.value, a.type]);
}
// Some values that are on lists, so that hits cost what they cost.
for (let i = 0; i < 2000; i++) sample.push([`10.${i % 256}.1.${i % 200}`, 'ip-dst'], [`www${i}.google.com`, 'domain'], [`user${i}@mailinator.com`, 'email-src']);

t = performance.now();
let hits = 0;
for (const [v, type] of sample) if (index.check(v, type).length > 0) hits++;
const seconds = (performance.now() - t) / 1000;
console.log(JSON.stringify({
  bench: 'warninglists',
  lists: lists.length,
  entries: lists.reduce((n, l) => n + l.list.length, 0),
  build_seconds: Math.round(buildSeconds * 100) / 100,
  values: sample.length,
  hits,
  values_per_s: Math.round(sample.length / seconds),
  peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
}));
