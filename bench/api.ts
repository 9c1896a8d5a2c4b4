/**
 * `tsx bench/api.ts [--db FILE] [--seconds N]`: MISP's REST API under load, on loopback. Serves a copy of
 * the store built by bench/import.ts from a separate `cairn serve` process, then measures
 * attributes/restSearch by one value (requests/s, p50/p99), events/add of 100-attribute events
 * (events/s), and attributes/restSearch by tag as CSV over the whole store (seconds to the last byte,
 * rows). Prints one JSON line.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { openStore } from '../src/store/db/database.js';
import { generateEvents, rng } from './corpus.js';
import { copyOfImportedStore } from './bench-store.js';

const { values } = parseArgs({ options: { db: { type: 'string', default: 'bench/out/import.db' }, seconds: { type: 'string', default: '10' } } });
const seconds = Number(values.seconds);
const KEY = 'BenchKey0123456789abcdefghijklmnopqrstuv';
const copy = await copyOfImportedStore('api', values.db);

// Values to look up: distinct values drawn at random from the value index, as an analyst looks up an
// indicator (drawing attributes instead would favour the few values that thousands of attributes hold).
const store = await openStore(copy.config);
const maxId = Number((await store.db.selectFrom('value').select((eb) => eb.fn.max('id').as('m')).executeTakeFirstOrThrow()).m);
const r = rng(9);
const lookups: string[] = [];
while (lookups.length < 500) {
  const row = await store.db.selectFrom('value').select('value').where('id', '=', 1 + Math.floor(r() * maxId)).executeTakeFirst();
  if (row) lookups.push(row.value);
}
await store.close();

// BENCH_SERVER_NODE_ARGS (say --cpu-prof) go to the server's node.
const server = spawn(process.execPath, [...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean), '--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', '0'], {
  env: { ...process.env, ...copy.env, CAIRN_ADMIN_KEY: KEY }, stdio: ['ignore', 'ignore', 'pipe'],
});
const base = await new Promise<URL>((resolve, reject) => {
  let err = '';
  server.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    const m = /serving MISP's REST API on (http:\/\/\S+)/.exec(err);
    if (m) resolve(new URL(m[1]!));
  });
  server.on('exit', () => reject(new Error(`the server stopped: ${err}`)));
});

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
function post(path: string, body: unknown): Promise<number> {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: base.hostname, port: base.port, path, method: 'POST', agent,
      headers: { Authorization: KEY, Accept: 'application/json', 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(data);
  });
}

/** Runs `job` from `workers` loops until the time is up; latencies in ms. */
async function load(workers: number, until: number, job: (n: number) => Promise<number>): Promise<{ latencies: number[]; errors: number }> {
  const latencies: number[] = [];
  let errors = 0;
  let n = 0;
  await Promise.all(Array.from({ length: workers }, async () => {
    while (performance.now() < until) {
      const t = performance.now();
      const status = await job(n++);
      latencies.push(performance.now() - t);
      if (status !== 200) errors++;
    }
  }));
  return { latencies, errors };
}
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 100) / 100;
};

await load(8, performance.now() + 1000, (n) => post('/attributes/restSearch', { value: lookups[n % lookups.length] }));
let t0 = performance.now();
const search = await load(16, t0 + seconds * 1000, (n) => post('/attributes/restSearch', { value: lookups[n % lookups.length] }));
const searchSeconds = (performance.now() - t0) / 1000;

const events = [...generateEvents({ attributes: 100 * 2000, eventSize: 100, seed: 21, freshFrom: 900_000_000 })];
t0 = performance.now();
const add = await load(4, t0 + seconds * 1000, (n) => post('/events/add', events[n % events.length]));
const addSeconds = (performance.now() - t0) / 1000;

// One tag over every attribute, as CSV: the corpus puts tlp:green on about a fifth of its events.
async function csvByTag(tags: string[]): Promise<{ seconds: number; rows: number }> {
  const t = performance.now();
  const res = await fetch(new URL('/attributes/restSearch', base), { method: 'POST', headers: { Authorization: KEY, 'Content-Type': 'application/json' },
    body: JSON.stringify({ returnFormat: 'csv', tags }) });
  let rows = -2; // the header and the blank line that ends it
  const decoder = new TextDecoder();
  for await (const chunk of res.body!) rows += (decoder.decode(chunk as Uint8Array, { stream: true }).match(/\n/g) ?? []).length;
  return { seconds: Math.round((performance.now() - t) / 10) / 100, rows };
}
await csvByTag(['tlp:green']);
const csv = await csvByTag(['tlp:green']);

server.kill('SIGTERM');
agent.destroy();
console.log(JSON.stringify({
  bench: 'api',
  store: copy.dialect,
  rest_search_by_value_per_s: Math.round(search.latencies.length / searchSeconds),
  rest_search_p50_ms: pct(search.latencies, 50),
  rest_search_p99_ms: pct(search.latencies, 99),
  rest_search_errors: search.errors,
  events_add_100_attributes_per_s: Math.round(add.latencies.length / addSeconds),
  events_add_p50_ms: pct(add.latencies, 50),
  events_add_errors: add.errors,
  csv_by_tag_seconds: csv.seconds,
  csv_by_tag_rows: csv.rows,
}));
