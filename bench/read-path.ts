/**
 * `tsx bench/read-path.ts [--pg URL] [--rounds N] [--only view|search]`: the read path measured in
 * process, as CPU time per request (process.cpuUsage around a loop of Fastify injections, no sockets)
 * and wall time. Builds its store once (bench/out/read-path.db, or the schema `bench_read_path` of the
 * PostgreSQL database): a 10,000-attribute event and a 100-attribute event sharing values with ~200,000
 * background attributes, and one value (`update-update0.com`) held by 27,000 attributes. Measures
 * events/view of both events, as a site admin and as a user of another organisation, and
 * attributes/restSearch of the frequent value (attributes/s, time to the first byte on a socket; on
 * PostgreSQL also the CPU its backends spent), and searches of rare values (one attribute each) alone
 * and while frequent-value searches stream, their p50/p99: what a long answer costs the other clients.
 * Prints one JSON line.
 */
import { existsSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { buildServer } from '../src/api/server.js';
import type { InputItem } from '../src/formats/input.js';
import { importEvents } from '../src/services/import/bulk.js';
import { addOrganisation } from '../src/store/access/organisations.js';
import { addApiKey, addUser, bootstrapInstance } from '../src/store/access/users.js';
import { openStore, type Store } from '../src/store/db/database.js';
import { watchBackendCpu } from './backend-cpu.js';
import { generateEvents } from './corpus.js';

const { values } = parseArgs({ options: {
  pg: { type: 'string' }, rounds: { type: 'string', default: '5' }, only: { type: 'string' }, rebuild: { type: 'boolean', default: false },
} });
const ROUNDS = Number(values.rounds);
const FREQUENT = 'update-update0.com';
const ADMIN_KEY = `ReadPathAdmin${'0'.repeat(27)}`;
const SCHEMA = 'bench_read_path';
mkdirSync('bench/out', { recursive: true });
const file = 'bench/out/read-path.db';

async function build(store: Store): Promise<void> {
  await bootstrapInstance(store, { orgName: 'Bench host', adminKey: ADMIN_KEY });
  const org = await addOrganisation(store, 'Bench reader');
  const user = await addUser(store, 'reader@bench.test', org.id, 'User');
  if (!user.ok) throw new Error(user.reason);
  await addApiKey(store, user.user.id, 'bench', `ReadPathUser${'0'.repeat(28)}`);
  async function* docs(): AsyncGenerator<InputItem> {
    let n = 0;
    for (const doc of generateEvents({ attributes: 200_000, seed: 3, pool: 5_000 })) yield { source: `bg-${n++}`, json: doc };
    // 2,700 events of 20 attributes, 10 of them the frequent value (a sinkhole domain, say).
    for (let e = 0; e < 2_700; e++) {
      const [doc] = [...generateEvents({ attributes: 10, eventSize: 10, seed: 1000 + e, pool: 5_000, freshFrom: 10_000_000 + e * 100 })];
      const event = doc!.Event as { Attribute: Array<Record<string, unknown>> };
      for (let k = 0; k < 10; k++) {
        event.Attribute.push({ uuid: crypto.randomUUID(), type: 'domain', category: 'Network activity', value: FREQUENT, to_ids: true, distribution: '5', timestamp: '1600000000', comment: '' });
      }
      yield { source: `freq-${e}`, json: doc! };
    }
    const [big] = [...generateEvents({ attributes: 10_000, eventSize: 10_000, seed: 11, pool: 5_000, freshFrom: 50_000_000 })];
    (big!.Event as Record<string, unknown>).uuid = '11111111-1111-4111-8111-111111111111';
    yield { source: 'big', json: big! };
    const [small] = [...generateEvents({ attributes: 100, eventSize: 100, seed: 12, pool: 5_000, freshFrom: 60_000_000 })];
    (small!.Event as Record<string, unknown>).uuid = '22222222-2222-4222-8222-222222222222';
    yield { source: 'small', json: small! };
  }
  const t = performance.now();
  const totals = await importEvents(store, docs());
  console.error(`built the store: ${totals.attributes.stored} attributes in ${Math.round(performance.now() - t)} ms`);
}

const config = values.pg ? { databaseUrl: values.pg, pgSchema: SCHEMA } : { sqlitePath: file };
if (values.rebuild) {
  if (values.pg) {
    const pg = await import('pg');
    const c = new pg.default.Client({ connectionString: values.pg });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    await c.end();
  } else for (const s of ['', '-wal', '-shm']) (await import('node:fs')).rmSync(`${file}${s}`, { force: true });
}
const fresh = values.pg ? undefined : !existsSync(file);
const store = await openStore(config);
const built = fresh ?? (await store.db.selectFrom('event').select('id').limit(1).executeTakeFirst()) === undefined;
if (built) {
  await build(store);
  if (values.pg) await (await import('kysely')).sql`ANALYZE`.execute(store.db);
}
const app = await buildServer(store, { exportThreads: 0 });
const keys = { admin: ADMIN_KEY, user: `ReadPathUser${'0'.repeat(28)}` };

async function inject(key: string, method: 'GET' | 'POST', url: string, payload?: unknown) {
  const res = await app.inject({ method, url, headers: { Authorization: key, Accept: 'application/json', 'Content-Type': 'application/json' }, ...(payload ? { payload: JSON.stringify(payload) } : {}) });
  if (res.statusCode !== 200) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body.slice(0, 300)}`);
  return res;
}

/** CPU and wall ms per request over `rounds` requests, after one to warm up; on PostgreSQL the backends' CPU too. */
async function measure(rounds: number, run: () => Promise<unknown>) {
  await run();
  const backend = await watchBackendCpu(store, 100);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) await run();
  const wall = (performance.now() - t0) / rounds;
  const c = process.cpuUsage(c0);
  const pgCpu = await backend.stop();
  return {
    cpu_ms: Math.round((c.user + c.system) / 1000 / rounds * 10) / 10, wall_ms: Math.round(wall * 10) / 10,
    ...(pgCpu !== undefined ? { backend_cpu_ms: Math.round(pgCpu * 1000 / rounds) } : {}),
  };
}

const pct = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]! * 10) / 10;
};

/** Searches of rare values one after another until `until` settles (or `count` of them alone), their latencies. */
async function rareSearches(rare: string[], until?: Promise<unknown>, count = 200): Promise<number[]> {
  const times: number[] = [];
  let done = false;
  void until?.then(() => { done = true; });
  for (let i = 0; until ? !done : i < count; i++) {
    const t = performance.now();
    await inject(keys.user, 'POST', '/attributes/restSearch', { value: rare[i % rare.length] });
    times.push(performance.now() - t);
  }
  return times;
}

const out: Record<string, unknown> = { bench: 'read-path', store: values.pg ? 'postgres' : 'sqlite' };
if (values.only !== 'search') {
  for (const [name, uuid, rounds] of [['view_10000', '11111111-1111-4111-8111-111111111111', ROUNDS], ['view_100', '22222222-2222-4222-8222-222222222222', ROUNDS * 40]] as const) {
    for (const who of ['admin', 'user'] as const) {
      const res = await inject(keys[who], 'GET', `/events/view/${uuid}`);
      out[`${name}_${who}`] = { bytes: res.rawPayload.length, ...(await measure(rounds, () => inject(keys[who], 'GET', `/events/view/${uuid}`))) };
    }
  }
}
if (values.only !== 'view') {
  for (const who of ['admin', 'user'] as const) {
    let count = 0;
    const m = await measure(Math.max(2, Math.floor(ROUNDS / 2)), async () => {
      const res = await inject(keys[who], 'POST', '/attributes/restSearch', { value: FREQUENT });
      count = res.body.split(`"value":"${FREQUENT}"`).length - 1;
    });
    out[`frequent_${who}`] = { ...m, attributes: count, attributes_per_s: Math.round(count / (m.wall_ms / 1000)) };
  }
  // The first bytes on a socket: a streamed answer starts before its last row is read.
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const socket = (key: string) => new Promise<{ first_byte_ms: number; last_byte_ms: number }>((resolve, reject) => {
    const t = performance.now();
    let first = 0;
    const req = http.request(`${base}/attributes/restSearch`, { method: 'POST', headers: { Authorization: key, Accept: 'application/json', 'Content-Type': 'application/json' } }, (res) => {
      res.on('data', () => { if (!first) first = performance.now() - t; });
      res.on('end', () => resolve({ first_byte_ms: Math.round(first), last_byte_ms: Math.round(performance.now() - t) }));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ value: FREQUENT }));
  });
  out.frequent_socket = { admin: await socket(keys.admin), user: await socket(keys.user) };
  // Values held by one attribute each: what most searches ask.
  const rare = (await store.db.selectFrom('attribute').select('value1').where('type', '=', 'domain').groupBy(['value1_id', 'value1'])
    .having((eb) => eb.fn.countAll(), '=', 1).limit(100).execute()).map((r) => r.value1);
  const alone = await rareSearches(rare);
  const streaming = (async () => {
    for (let i = 0; i < 4; i++) await inject(i % 2 ? keys.user : keys.admin, 'POST', '/attributes/restSearch', { value: FREQUENT });
  })();
  const during = await rareSearches(rare, streaming);
  out.rare_user = { alone: { n: alone.length, p50_ms: pct(alone, 50), p99_ms: pct(alone, 99) }, during_frequent: { n: during.length, p50_ms: pct(during, 50), p99_ms: pct(during, 99) } };
}
await app.close();
await store.close();
console.log(JSON.stringify({ ...out, load_average: loadavg().map((l) => Math.round(l * 100) / 100) }));
