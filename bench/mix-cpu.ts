/**
 * `tsx bench/mix-cpu.ts [--db FILE] [--rounds 300] [--only KIND]`: issue 16's mix (bench/mix.ts) in
 * process, as CPU time per request of each kind: Fastify injections (no sockets, no threads) on a copy of
 * the store built by bench/import.ts, one at a time in the mix's order (reads after writes, as under
 * load), about `rounds` of each kind after 200 to warm up; `--only` asks for one kind. For profiles (`node --cpu-prof --import tsx bench/mix-cpu.ts`) and A/B runs on a shared machine,
 * where the wall time of bench/mixed.ts says little. Prints one JSON line.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { buildServer } from '../src/api/server.js';
import { openStore } from '../src/store/db/database.js';
import { copyOfImportedStore } from './bench-store.js';
import { BENCH_KEY } from './harness.js';
import { KINDS, kindOf, prepareMix, type Kind, type MixClient } from './mix.js';
import { bootstrapInstance } from '../src/store/access/users.js';

const { values } = parseArgs({ options: {
  db: { type: 'string', default: 'bench/out/import.db' }, rounds: { type: 'string', default: '300' }, only: { type: 'string' },
} });
const rounds = Number(values.rounds);
const only = values.only as Kind | undefined;
if (only !== undefined && !KINDS.includes(only)) throw new Error(`--only takes one of ${KINDS.join(', ')}`);

const copy = await copyOfImportedStore('mix_cpu', values.db);
const store = await openStore(copy.config);
await bootstrapInstance(store, { orgName: 'Bench host', adminKey: BENCH_KEY });
const app = await buildServer(store, { exportThreads: 0 });
const api: MixClient = {
  async request(method, url, body, keepBody) {
    const res = await app.inject({ method: method as 'GET', url, headers: { Authorization: BENCH_KEY, Accept: 'application/json', 'Content-Type': 'application/json' }, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) });
    if (res.statusCode !== 200) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body.slice(0, 300)}`);
    return { status: res.statusCode, bytes: res.rawPayload.length, ...(keepBody ? { body: res.body } : {}) };
  },
};
const ask = await prepareMix(api);

const out: Record<string, unknown> = { bench: 'mix-cpu', store: copy.dialect, rounds, ...(only ? { only } : {}) };
// One request at a time, in the mix's order (writes between reads, as under load), each timed on its own.
const cpu: Record<Kind, number[]> = { restSearch: [], view: [], index: [], add: [] };
const wall: Record<Kind, number[]> = { restSearch: [], view: [], index: [], add: [] };
const warm = Math.min(200, rounds);
for (let n = 0; n < warm + rounds * (only ? 1 : KINDS.length); n++) {
  const kind = kindOf(n, only);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await ask(kind, n, api);
  const c = process.cpuUsage(c0);
  if (n < warm) continue;
  cpu[kind].push((c.user + c.system) / 1000);
  wall[kind].push(performance.now() - t0);
}
const mean = (xs: number[]) => Math.round((xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)) * 100) / 100;
for (const k of KINDS) if (cpu[k].length) out[k] = { n: cpu[k].length, cpu_ms: mean(cpu[k]), wall_ms: mean(wall[k]) };
// The mix's CPU per request, each kind at its share.
if (!only) out.mix_cpu_ms = mean(Object.values(cpu).flat());
await app.close();
await store.close();
console.log(JSON.stringify({ ...out, load_average: loadavg().map((l) => Math.round(l * 100) / 100) }));
