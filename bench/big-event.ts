/**
 * `tsx bench/big-event.ts [--db FILE] [--attributes N]`: one event of 100,000 attributes (default),
 * sharing values with the bench corpus, imported into a copy of the store built by bench/import.ts and
 * then correlated. Prints one JSON line.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { OPERATOR } from '../src/access/viewer.js';
import { readInputs } from '../src/formats/input.js';
import { importEvents } from '../src/services/import/bulk.js';
import { eventCorrelations } from '../src/store/correlations/event-correlations.js';
import { openStore, storeConfigFromEnv } from '../src/store/db/database.js';
import { correlationSettings } from '../src/store/settings.js';
import { generateEvents } from './corpus.js';
import { copyOfImportedStore } from './bench-store.js';

const { values } = parseArgs({ options: { db: { type: 'string', default: 'bench/out/import.db' }, attributes: { type: 'string', default: '100000' } } });
const size = Number(values.attributes);
mkdirSync('bench/out', { recursive: true });
const file = `bench/out/big-event-${size}.json`;
// The bench store's corpus draws shared values from a pool of attributes / 20 (50,000 for 1M attributes).
const [doc] = [...generateEvents({ attributes: size, eventSize: size, seed: 11, pool: 50_000, freshFrom: 500_000_000 })];
writeFileSync(file, JSON.stringify(doc));
const uuid = (doc!.Event as { uuid: string }).uuid;

const store = await openStore({ ...storeConfigFromEnv(), ...(await copyOfImportedStore('big_event', values.db)).config });
const before = (await store.db.selectFrom('attribute').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;

const t0 = performance.now();
const summary = await importEvents(store, readInputs([file]));
const t1 = performance.now();
const c = await eventCorrelations(store, OPERATOR, { uuid }, await correlationSettings(store));
const t2 = performance.now();
await store.close();
if (summary.attributes.stored !== size) throw new Error(`stored ${summary.attributes.stored} attributes of ${size}`);
console.log(JSON.stringify({
  bench: 'big-event',
  store: store.dialect,
  store_attributes: Number(before),
  event_attributes: size,
  import_s: Math.round(t1 - t0) / 1000,
  correlate_s: Math.round(t2 - t1) / 1000,
  total_s: Math.round(t2 - t0) / 1000,
  related_events: c?.related.length ?? 0,
  over_correlating_values: c?.overCorrelating.length ?? 0,
  peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
}));
