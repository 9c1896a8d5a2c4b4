/**
 * `tsx bench/mixed.ts [--db FILE | --pg URL] [--workers N] [--clients 48] [--seconds 30] [--servers 1] [--only KIND]`: the
 * mixed load of issue 16. Serves a copy of the store built by bench/import.ts (or a PostgreSQL database
 * a `bench/import.ts --pg` filled) and runs `clients` loops for `seconds`, each request drawn from a fixed
 * mix: 35% attributes/restSearch by one value, 25% events/view of an event of 10–500 attributes, 25%
 * events/index (a page of 50 with a tag or a date filter), 15% events/add of a 50-attribute event.
 * `--servers 2` starts two `cairn serve` and spreads the clients over them. Prints one JSON line: requests/s,
 * p50/p99 overall and per kind, errors, the CPU per request of the servers (their workers included) and,
 * on PostgreSQL on this machine, of the backends serving them, and the machine's load average.
 */
import { parseArgs } from 'node:util';
import { generateEvents } from './corpus.js';
import { client, loadAverage, pct, startServer, type BenchServer } from './harness.js';
import { copyOfImportedStore } from './bench-store.js';
import { processTreeCpu, watchBackendCpu } from './backend-cpu.js';
import { openStore } from '../src/store/db/database.js';

const { values } = parseArgs({ options: {
  db: { type: 'string', default: 'bench/out/import.db' }, pg: { type: 'string' }, workers: { type: 'string' },
  clients: { type: 'string', default: '48' }, seconds: { type: 'string', default: '30' }, servers: { type: 'string', default: '1' },
  only: { type: 'string' },
} });
const seconds = Number(values.seconds);
const clients = Number(values.clients);

let env: NodeJS.ProcessEnv;
// --pg: that database itself; otherwise a copy of the imported store (PostgreSQL under DATABASE_URL).
if (values.pg) env = { DATABASE_URL: values.pg };
else {
  env = (await copyOfImportedStore('mixed', values.db)).env;
}
const args = values.workers ? ['--workers', values.workers] : [];
const servers: BenchServer[] = [];
for (let s = 0; s < Number(values.servers); s++) servers.push(await startServer(env, args));
const apis = servers.map((s) => client(s.base, clients));
const api = apis[0]!;

// What the clients ask for, drawn from the store through the API.
const index = JSON.parse((await api.request('GET', '/events/index', undefined, true)).body!) as Array<{ id: string; attribute_count: string; date: string }>;
const viewable = index.filter((e) => Number(e.attribute_count) >= 10 && Number(e.attribute_count) <= 500).map((e) => e.id);
const dates = [...new Set(index.map((e) => e.date))].sort();
const lookups: string[] = [];
for (let page = 1; lookups.length < 500; page += 37) {
  const found = JSON.parse((await api.request('POST', '/attributes/restSearch', { limit: 50, page }, true)).body!) as { response: { Attribute: Array<{ value: string }> } };
  if (found.response.Attribute.length === 0) break;
  lookups.push(...found.response.Attribute.map((a) => a.value));
}
const TAGS = ['tlp:white', 'tlp:green', 'tlp:amber', 'type:OSINT', 'misp-galaxy:malware="Emotet"'];
// Events to add, with uuids and values of their own on every run.
const seed = Date.now() % 1_000_000;
const toAdd = [...generateEvents({ attributes: 50 * 3000, eventSize: 50, seed, freshFrom: 2_000_000_000 + seed * 1000 })];

type Kind = 'restSearch' | 'view' | 'index' | 'add';
// --only KIND: every request of that kind, to measure its CPU alone.
const only = values.only as Kind | undefined;
if (only !== undefined && !['restSearch', 'view', 'index', 'add'].includes(only)) throw new Error('--only takes restSearch, view, index or add');
function pick(r: number): Kind {
  if (only) return only;
  if (r < 0.35) return 'restSearch';
  if (r < 0.60) return 'view';
  if (r < 0.85) return 'index';
  return 'add';
}
let adds = 0;
function ask(kind: Kind, n: number, c: ReturnType<typeof client>) {
  switch (kind) {
    case 'restSearch': return c.request('POST', '/attributes/restSearch', { value: lookups[n % lookups.length] });
    case 'view': return c.request('GET', `/events/view/${viewable[n % viewable.length]}`);
    case 'index': return c.request('POST', '/events/index', n % 2
      ? { limit: 50, page: 1 + (n % 5), tags: [TAGS[n % TAGS.length]] }
      : { limit: 50, page: 1, datefrom: dates[Math.floor(dates.length * ((n % 10) / 10))] });
    case 'add': return c.request('POST', '/events/add', toAdd[adds++ % toAdd.length]);
  }
}

const latencies: Record<Kind, number[]> = { restSearch: [], view: [], index: [], add: [] };
const errors: Record<string, number> = {};
async function run(until: number, record: boolean) {
  let n = 0;
  await Promise.all(Array.from({ length: clients }, async (_, k) => {
    const c = apis[k % apis.length]!;
    while (performance.now() < until) {
      const i = n++;
      const kind = pick(((i * 2654435761) % 2 ** 32) / 2 ** 32);
      const t = performance.now();
      const a = await ask(kind, i, c);
      if (!record) continue;
      latencies[kind].push(performance.now() - t);
      if (a.status !== 200) errors[`${kind} ${a.status}`] = (errors[`${kind} ${a.status}`] ?? 0) + 1;
    }
  }));
}
await run(performance.now() + 3000, false);
const watcher = env.DATABASE_URL ? await openStore({ databaseUrl: env.DATABASE_URL, migrate: false, pgPoolSize: 1 }) : undefined;
const backend = watcher ? await watchBackendCpu(watcher) : undefined;
const serversCpu = () => servers.reduce((n, s) => n + processTreeCpu(s.child.pid!), 0);
const cpu0 = serversCpu();
const t0 = performance.now();
await run(t0 + seconds * 1000, true);
const took = (performance.now() - t0) / 1000;
const cairnCpu = serversCpu() - cpu0;
const pgCpu = await backend?.stop();
await watcher?.close();

await Promise.all(servers.map((s) => s.stop()));
for (const a of apis) a.close();
const all = Object.values(latencies).flat();
const per = (k: Kind) => ({ n: latencies[k].length, p50_ms: pct(latencies[k], 50), p99_ms: pct(latencies[k], 99) });
console.log(JSON.stringify({
  bench: 'mixed', store: env.DATABASE_URL ? 'postgres' : 'sqlite', servers: servers.length, workers: values.workers ?? 'default', clients, seconds,
  requests_per_s: Math.round(all.length / took), p50_ms: pct(all, 50), p99_ms: pct(all, 99), errors,
  restSearch: per('restSearch'), view: per('view'), index: per('index'), add: per('add'),
  cairn_cpu_ms_per_request: Math.round((cairnCpu * 1000 / all.length) * 100) / 100,
  ...(pgCpu !== undefined ? { pg_cpu_ms_per_request: Math.round((pgCpu * 1000 / all.length) * 100) / 100 } : {}),
  load_average: await loadAverage(),
}));
