/**
 * `tsx bench/correlate.ts [--db FILE]`: query times on a store built by bench/import.ts — the correlations
 * of events of about 1,000 attributes, and lookups of single values. Prints one JSON line.
 */
import { parseArgs } from 'node:util';
import { OPERATOR } from '../src/access/viewer.js';
import { openStore } from '../src/store/db/database.js';
import { eventCorrelations, lookupValue } from '../src/store/correlations/event-correlations.js';
import { correlationSettings } from '../src/store/settings.js';
import { rng } from './corpus.js';
import { importedStore } from './bench-store.js';

const { values } = parseArgs({ options: { db: { type: 'string', default: 'bench/out/import.db' }, runs: { type: 'string', default: '200' } } });
const store = await openStore(importedStore(values.db).config);
const settings = await correlationSettings(store);
const runs = Number(values.runs);

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 1000) / 1000;
};

// Events of 900 to 1,100 attributes.
const events = await store.db.selectFrom('event').select(['id', 'attribute_count'])
  .where('attribute_count', '>=', 900).where('attribute_count', '<=', 1100).orderBy('id').execute();
if (events.length === 0) throw new Error('no event of about 1,000 attributes in the store: run bench/import.ts first');
const eventTimes: number[] = [];
let relatedSeen = 0;
for (let i = 0; i < Math.min(runs, events.length * 5); i++) {
  const e = events[i % events.length]!;
  const t = performance.now();
  const c = await eventCorrelations(store, OPERATOR, { id: e.id }, settings);
  eventTimes.push(performance.now() - t);
  relatedSeen += c?.related.length ?? 0;
}

const maxId = (await store.db.selectFrom('attribute').select((eb) => eb.fn.max('id').as('m')).executeTakeFirstOrThrow()).m as number;
const r = rng(42);
const sample: string[] = [];
while (sample.length < runs) {
  const row = await store.db.selectFrom('attribute').select('value1').where('id', '=', 1 + Math.floor(r() * maxId)).executeTakeFirst();
  if (row) sample.push(row.value1);
}
const lookupTimes: number[] = [];
for (const v of sample) {
  const t = performance.now();
  await lookupValue(store, OPERATOR, v, settings);
  lookupTimes.push(performance.now() - t);
}
const attributes = (await store.db.selectFrom('attribute').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;
await store.close();
console.log(JSON.stringify({
  bench: 'correlate',
  store: store.dialect,
  attributes: Number(attributes),
  events_of_1000: events.length,
  event_correlations_p50_ms: percentile(eventTimes, 50),
  event_correlations_p95_ms: percentile(eventTimes, 95),
  related_events_per_query: Math.round(relatedSeen / eventTimes.length),
  lookup_p50_ms: percentile(lookupTimes, 50),
  lookup_p95_ms: percentile(lookupTimes, 95),
}));
