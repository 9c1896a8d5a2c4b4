/**
 * `tsx bench/mixed.ts [--db FILE | --pg URL] [--workers N] [--clients 48] [--seconds 30] [--servers 1] [--only KIND] [--stream]`: the
 * mixed load of issue 16. Serves a copy of the store built by bench/import.ts (or a PostgreSQL database
 * a `bench/import.ts --pg` filled) and runs `clients` loops for `seconds`, each request drawn from a fixed
 * mix: 35% attributes/restSearch by one value, 25% events/view of an event of 10–500 attributes, 25%
 * events/index (a page of 50 with a tag or a date filter), 15% events/add of a 50-attribute event.
 * `--servers 2` starts two `cairn serve` and spreads the clients over them. `--only view` (restSearch, index,
 * add) asks for that kind alone. `--stream` runs the mix a second time while two more clients each read the
 * whole store, an unfiltered attributes/restSearch as JSON and as CSV (asked again as each ends), and
 * runs it alone once more; it reports the throughput beside the streams against the mean of the two
 * runs alone (issue 16: at least 0.6), and what each stream read (MB, MB/s). Prints one JSON line:
 * requests/s, p50/p99 overall and per kind, errors, the servers' (workers included), on PostgreSQL on this
 * machine their backends', and this process's CPU per request (ms; a shared machine's wall time says
 * little), and the machine's load average.
 */
import http from 'node:http';
import { parseArgs } from 'node:util';
import { BENCH_KEY, client, loadAverage, pct, processTreeCpuMs, startServer, type BenchServer } from './harness.js';
import { copyOfImportedStore } from './bench-store.js';
import { watchBackendCpu } from './backend-cpu.js';
import { openStore } from '../src/store/db/database.js';
import { KINDS, kindOf, prepareMix, type Kind } from './mix.js';

const { values } = parseArgs({ options: {
  db: { type: 'string', default: 'bench/out/import.db' }, pg: { type: 'string' }, workers: { type: 'string' },
  clients: { type: 'string', default: '48' }, seconds: { type: 'string', default: '30' }, servers: { type: 'string', default: '1' },
  only: { type: 'string' }, stream: { type: 'boolean', default: false },
} });
const only = values.only as Kind | undefined;
if (only !== undefined && !KINDS.includes(only)) throw new Error(`--only takes one of ${KINDS.join(', ')}`);
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

const ask = await prepareMix(api);

type Latencies = Record<Kind, number[]>;
const errors: Record<string, number> = {};
async function run(until: number, latencies?: Latencies) {
  let n = 0;
  await Promise.all(Array.from({ length: clients }, async (_, k) => {
    const c = apis[k % apis.length]!;
    while (performance.now() < until) {
      const i = n++;
      const kind = kindOf(i, only);
      const t = performance.now();
      const a = await ask(kind, i, c);
      if (!latencies) continue;
      latencies[kind].push(performance.now() - t);
      if (a.status !== 200) errors[`${kind} ${a.status}`] = (errors[`${kind} ${a.status}`] ?? 0) + 1;
    }
  }));
}
// On PostgreSQL on this machine, the backends serving the servers are measured too.
const watcher = env.DATABASE_URL ? await openStore({ databaseUrl: env.DATABASE_URL, migrate: false, pgPoolSize: 1 }) : undefined;
/** One timed run of the mix: requests/s, latencies, and CPU per request of the servers, their backends and this process. */
async function measured() {
  const latencies: Latencies = { restSearch: [], view: [], index: [], add: [] };
  const backend = watcher ? await watchBackendCpu(watcher) : undefined;
  const server0 = servers.reduce((ms, s) => ms + processTreeCpuMs(s.child.pid!), 0);
  const client0 = process.cpuUsage();
  const t0 = performance.now();
  await run(t0 + seconds * 1000, latencies);
  const took = (performance.now() - t0) / 1000;
  const serverMs = servers.reduce((ms, s) => ms + processTreeCpuMs(s.child.pid!), 0) - server0;
  const clientCpu = process.cpuUsage(client0);
  const pgSeconds = await backend?.stop();
  const all = Object.values(latencies).flat();
  const per = (k: Kind) => ({ n: latencies[k].length, p50_ms: pct(latencies[k], 50), p99_ms: pct(latencies[k], 99) });
  const perRequest = (ms: number) => Math.round((ms / Math.max(1, all.length)) * 100) / 100;
  return {
    requests_per_s: Math.round(all.length / took), p50_ms: pct(all, 50), p99_ms: pct(all, 99),
    server_cpu_ms_per_request: perRequest(serverMs), client_cpu_ms_per_request: perRequest((clientCpu.user + clientCpu.system) / 1000),
    ...(pgSeconds === undefined ? {} : { pg_cpu_ms_per_request: perRequest(pgSeconds * 1000) }),
    restSearch: per('restSearch'), view: per('view'), index: per('index'), add: per('add'),
  };
}
await run(performance.now() + 3000);
const alone = await measured();

// --stream: the mix again while the whole store is read twice over, as JSON and as CSV.
let withStreams: (Awaited<ReturnType<typeof measured>> & { of_alone: number; streams: unknown[]; alone_after_rps: number }) | undefined;
if (values.stream) {
  const base = servers[0]!.base;
  let streaming = true;
  /** One reader of the whole store: asks again as each answer ends, counting what arrives, until the mix is done. */
  const stream = async (format: string, body: object) => {
    const seen = { format, answers: 0, statuses: [] as number[], mb: 0, mb_per_s: 0 };
    const t0 = performance.now();
    let bytes = 0;
    while (streaming) {
      await new Promise<void>((resolve) => {
        const req = http.request({ host: base.hostname, port: base.port, path: '/attributes/restSearch', method: 'POST',
          headers: { Authorization: BENCH_KEY, Accept: 'application/json', 'Content-Type': 'application/json' } }, (res) => {
          seen.statuses.push(res.statusCode ?? 0);
          res.on('data', (d: Buffer) => {
            bytes += d.length;
            // Cut off when the mix is done: the server sees its client go away.
            if (!streaming) req.destroy();
          });
          res.on('end', () => { seen.answers++; resolve(); });
          res.on('close', () => resolve());
        });
        req.on('error', () => resolve());
        req.end(JSON.stringify(body));
      });
    }
    seen.mb = Math.round(bytes / 1e5) / 10;
    seen.mb_per_s = Math.round(bytes / 1e5 / ((performance.now() - t0) / 1000)) / 10;
    return seen;
  };
  const readers = [stream('json', {}), stream('csv', { returnFormat: 'csv' })];
  // The streams under way first, then the mix beside them.
  await new Promise((r) => setTimeout(r, 2000));
  const during = await measured();
  streaming = false;
  const streams = await Promise.all(readers);
  // The mix alone once more: against the mean of the runs before and after, a store warming up or a
  // machine's load changing over the three runs weighs less.
  const after = await measured();
  const aloneRps = (alone.requests_per_s + after.requests_per_s) / 2;
  withStreams = { ...during, of_alone: Math.round((during.requests_per_s / Math.max(1, aloneRps)) * 100) / 100, alone_after_rps: after.requests_per_s, streams };
}

await watcher?.close();
await Promise.all(servers.map((s) => s.stop()));
for (const a of apis) a.close();
console.log(JSON.stringify({
  bench: 'mixed', store: env.DATABASE_URL ? 'postgres' : 'sqlite', servers: servers.length, workers: values.workers ?? 'default', clients, seconds,
  ...(only ? { only } : {}), ...alone, errors, ...(withStreams ? { with_streams: withStreams } : {}), load_average: await loadAverage(),
}));
