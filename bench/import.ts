/** `tsx bench/import.ts --feed DIR [--db FILE]`: imports a feed into a fresh store and prints one JSON line of figures. */
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readInputs } from '../src/formats/input.js';
import { importEvents } from '../src/services/import/bulk.js';
import { openStore, storeConfigFromEnv } from '../src/store/db/database.js';
import { analyseEventTables } from '../src/store/db/statistics.js';

const { values } = parseArgs({ options: { feed: { type: 'string' }, db: { type: 'string', default: 'bench/out/import.db' }, pg: { type: 'string' } } });
if (!values.feed) {
  console.error('usage: tsx bench/import.ts --feed DIR [--db FILE | --pg postgres://…]');
  process.exit(1);
}
if (!values.pg) for (const suffix of ['', '-wal', '-shm']) rmSync(`${values.db}${suffix}`, { force: true });
const store = await openStore({ ...storeConfigFromEnv(), ...(values.pg ? { databaseUrl: values.pg } : { databaseUrl: undefined, sqlitePath: values.db }) });
const started = process.hrtime.bigint();
const summary = await importEvents(store, readInputs([values.feed]));
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
// What the analysis the writer runs once the tables have grown costs (PostgreSQL): one more, timed.
const analysing = process.hrtime.bigint();
await analyseEventTables(store);
const analyseSeconds = Number(process.hrtime.bigint() - analysing) / 1e9;
await store.close();
const attributes = summary.attributes.stored;
console.log(JSON.stringify({
  bench: 'import',
  store: store.dialect,
  events: summary.events.created,
  attributes,
  rejected: summary.attributes.rejected + summary.events.rejected,
  seconds: Math.round(seconds * 100) / 100,
  attributes_per_s: Math.round(attributes / seconds),
  ...(store.dialect === 'postgres' ? { analyse_s: Math.round(analyseSeconds * 100) / 100 } : {}),
  load: Number((await import('node:os')).loadavg()[0]!.toFixed(2)),
  peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
}));
