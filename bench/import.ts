/**
 * `tsx bench/import.ts --feed DIR [--db FILE | --pg URL] [--writers N]`: imports a feed into a fresh store and prints
 * one JSON line of figures. PostgreSQL when --pg or DATABASE_URL is given: a database whose name holds
 * `bench` is made afresh, another should be empty. The CPU of Cairn and of the PostgreSQL backends, per attribute, and the
 * bytes the store takes per attribute, tables and indexes. `--writers`: PostgreSQL's transactions writing at
 * once (src/services/import/bulk.ts, default IMPORT_WRITERS).
 */
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { readInputs } from '../src/formats/input.js';
import { importEvents } from '../src/services/import/bulk.js';
import { openStore, storeConfigFromEnv } from '../src/store/db/database.js';
import { analyseEventTables } from '../src/store/db/statistics.js';
import { storageSizes } from '../src/store/db/storage.js';
import { watchBackendCpu } from './backend-cpu.js';
import { benchPostgresUrl } from './bench-store.js';
import { databaseOf, recreateDatabase } from '../src/store/db/pg-admin.js';

const { values } = parseArgs({ options: { feed: { type: 'string' }, db: { type: 'string', default: 'bench/out/import.db' }, pg: { type: 'string' }, writers: { type: 'string' } } });
if (!values.feed) {
  console.error('usage: tsx bench/import.ts --feed DIR [--db FILE | --pg postgres://…]');
  process.exit(1);
}
const pg = values.pg ?? benchPostgresUrl();
if (!pg) for (const suffix of ['', '-wal', '-shm']) rmSync(`${values.db}${suffix}`, { force: true });
// A fresh database: only one the benchmarks own (its name says so) is dropped and made again.
else if (databaseOf(pg).includes('bench')) await recreateDatabase(pg);
const store = await openStore({ ...storeConfigFromEnv(), ...(pg ? { databaseUrl: pg } : { databaseUrl: undefined, sqlitePath: values.db }) });
const backend = await watchBackendCpu(store);
const cpu = process.cpuUsage();
const started = process.hrtime.bigint();
const summary = await importEvents(store, readInputs([values.feed]), values.writers ? { writers: Number(values.writers) } : {});
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const used = process.cpuUsage(cpu);
const backendSeconds = await backend.stop();
// What the analysis the writer runs once the tables have grown costs (PostgreSQL): one more, timed.
const analysing = process.hrtime.bigint();
await analyseEventTables(store);
const analyseSeconds = Number(process.hrtime.bigint() - analysing) / 1e9;
const sizes = await storageSizes(store);
await store.close();
const attributes = summary.attributes.stored;
const mb = (b: number) => Math.round(b / 1e5) / 10;
const perAttribute = (b: number) => Math.round(b / Math.max(1, attributes));
const total = sizes.reduce((n, r) => n + r.bytes, 0);
const byTable = new Map<string, { table: number; indexes: number }>();
for (const r of sizes) {
  const t = byTable.get(r.table) ?? { table: 0, indexes: 0 };
  t[r.kind === 'index' ? 'indexes' : 'table'] += r.bytes;
  byTable.set(r.table, t);
}
const cairnSeconds = (used.user + used.system) / 1e6;
console.log(JSON.stringify({
  bench: 'import',
  store: store.dialect,
  ...(values.writers ? { writers: Number(values.writers) } : {}),
  events: summary.events.created,
  attributes,
  rejected: summary.attributes.rejected + summary.events.rejected,
  seconds: Math.round(seconds * 100) / 100,
  attributes_per_s: Math.round(attributes / seconds),
  cairn_cpu_s: Math.round(cairnSeconds * 100) / 100,
  cairn_cpu_us_per_attribute: Math.round((cairnSeconds * 1e6) / Math.max(1, attributes) * 10) / 10,
  ...(backendSeconds !== undefined ? {
    pg_cpu_s: backendSeconds,
    pg_cpu_us_per_attribute: Math.round((backendSeconds * 1e6) / Math.max(1, attributes) * 10) / 10,
  } : {}),
  ...(store.dialect === 'postgres' ? { analyse_s: Math.round(analyseSeconds * 100) / 100 } : {}),
  store_mb: mb(total),
  bytes_per_attribute: perAttribute(total),
  // The largest tables, each with its indexes, in bytes per attribute.
  tables: Object.fromEntries([...byTable].sort((a, b) => (b[1].table + b[1].indexes) - (a[1].table + a[1].indexes)).slice(0, 6)
    .map(([name, t]) => [name, { table: perAttribute(t.table), indexes: perAttribute(t.indexes) }])),
  indexes: Object.fromEntries(sizes.filter((r) => r.kind === 'index').sort((a, b) => b.bytes - a.bytes).slice(0, 8).map((r) => [r.name, perAttribute(r.bytes)])),
  load: Number(loadavg()[0]!.toFixed(2)),
  peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
}));
