/**
 * `tsx bench/scale.ts [--db FILE] [--seconds 10] [--clients 8] [--only frequent] [--rounds 1]`: the reads issue 21 measures at every size
 * (10^6, 10^7, 10^8), served by one `cairn serve` from the store bench/import.ts built, in place: at 10^8
 * a copy would take tens of gigabytes, and nothing here writes. PostgreSQL under DATABASE_URL.
 * Measures, each from `clients` concurrent loops for `seconds` as the site admin:
 * - attributes/restSearch by one value, values drawn at random from the value index (p50/p99);
 * - events/view of events drawn at random, and events/index pages of 50 with a tag filter (p50/p99);
 * then alone: the value most events hold, streamed (first byte, attributes/s), and attributes/restSearch
 * by tag as CSV over the whole store (seconds, rows). The import's time and the store's size are
 * bench/import.ts's, the correlation of events of about 1,000 attributes bench/correlate.ts's. Prints one
 * JSON line, with the machine's load. `--only frequent` measures the frequent value alone, `rounds` answers
 * of it (the median's time, and the server's CPU per answer, steadier than time on a shared machine).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { openStore } from '../src/store/db/database.js';
import { rng } from './corpus.js';
import { BENCH_KEY, client, loadAverage, pct, startServer, type Answer } from './harness.js';
import { importedStore } from './bench-store.js';

const { values } = parseArgs({ options: {
  db: { type: 'string', default: 'bench/out/import.db' }, seconds: { type: 'string', default: '10' }, clients: { type: 'string', default: '8' },
  only: { type: 'string' }, rounds: { type: 'string', default: '1' },
} });
const rounds = Math.max(1, Number(values.rounds));
const frequentOnly = values.only === 'frequent';
const seconds = Number(values.seconds);
const clients = Number(values.clients);
const target = importedStore(values.db);

// What to ask for, drawn from the store: distinct values at random (drawing attributes would favour the
// few values thousands of attributes hold), events at random, and the value the most events hold.
const store = await openStore(target.config);
const r = rng(21);
const maxOf = async (table: 'value' | 'event') => Number((await store.db.selectFrom(table).select((eb) => eb.fn.max('id').as('m')).executeTakeFirstOrThrow()).m);
const maxValue = await maxOf('value');
const lookups: string[] = [];
while (lookups.length < 1000) {
  const row = await store.db.selectFrom('value').select('value').where('id', '=', 1 + Math.floor(r() * maxValue)).executeTakeFirst();
  if (row) lookups.push(row.value);
}
const maxEvent = await maxOf('event');
const events: number[] = [];
while (events.length < 500) {
  const row = await store.db.selectFrom('event').select(['id', 'attribute_count']).where('id', '=', 1 + Math.floor(r() * maxEvent)).executeTakeFirst();
  if (row && row.attribute_count <= 1000) events.push(row.id);
}
const frequent = await store.db.selectFrom('value_events').innerJoin('value', 'value.id', 'value_events.value_id')
  .select(['value.value', 'value_events.events']).orderBy('value_events.events', 'desc').limit(1).executeTakeFirstOrThrow();
const attributes = Number((await store.db.selectFrom('event').select((eb) => eb.fn.sum<number>('attribute_count').as('n')).executeTakeFirstOrThrow()).n);
await store.close();

const server = await startServer(target.env);
const api = client(server.base, clients);
const TAGS = ['tlp:white', 'tlp:green', 'tlp:amber', 'type:OSINT', 'misp-galaxy:malware="Emotet"'];

/** `clients` loops asking `ask(n)` for `seconds` (after a second's warm-up): requests/s, p50, p99, errors. */
async function underLoad(ask: (n: number) => Promise<Answer>) {
  const run = async (until: number, record: number[] | undefined, failed: { n: number }) => {
    let n = 0;
    await Promise.all(Array.from({ length: clients }, async () => {
      while (performance.now() < until) {
        const t = performance.now();
        const a = await ask(n++);
        if (!record) continue;
        record.push(performance.now() - t);
        if (a.status !== 200) failed.n++;
      }
    }));
  };
  await run(performance.now() + 1000, undefined, { n: 0 });
  const latencies: number[] = [];
  const failed = { n: 0 };
  const t0 = performance.now();
  await run(t0 + seconds * 1000, latencies, failed);
  const took = (performance.now() - t0) / 1000;
  return { per_s: Math.round(latencies.length / took), p50_ms: pct(latencies, 50), p99_ms: pct(latencies, 99), errors: failed.n };
}

/** One streamed answer read to its end: ms to the first byte and to the last, bytes, and lines. */
async function streamed(body: unknown) {
  const t = performance.now();
  const res = await fetch(new URL('/attributes/restSearch', server.base), { method: 'POST',
    headers: { Authorization: BENCH_KEY, Accept: 'application/json', 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  let first = 0;
  let bytes = 0;
  let lines = 0;
  for await (const chunk of res.body!) {
    if (first === 0) first = performance.now() - t;
    const c = chunk as Uint8Array;
    bytes += c.length;
    for (const b of c) if (b === 10) lines++;
  }
  return { status: res.status, first_byte_ms: Math.round(first), ms: Math.round(performance.now() - t), bytes, lines };
}

/** The CPU ms the server's processes (the one started and those it started) have spent so far, from /proc: Linux only. */
function serverCpuMs(pid = server.child.pid!): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  let ms = ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean)) ms += serverCpuMs(Number(child));
  }
  return ms;
}

const loaded = frequentOnly ? undefined : {
  oneValue: await underLoad((n) => api.request('POST', '/attributes/restSearch', { value: lookups[n % lookups.length] })),
  view: await underLoad((n) => api.request('GET', `/events/view/${events[n % events.length]}`)),
  index: await underLoad((n) => api.request('POST', '/events/index', { limit: 50, page: 1 + (n % 5), tags: [TAGS[n % TAGS.length]] })),
};

await streamed({ value: frequent.value });
const answers: Array<Awaited<ReturnType<typeof streamed>>> = [];
const cpu0 = serverCpuMs();
for (let i = 0; i < rounds; i++) answers.push(await streamed({ value: frequent.value }));
const serverCpu = (serverCpuMs() - cpu0) / rounds;
const freq = answers.sort((a, b) => a.ms - b.ms)[Math.floor(rounds / 2)]!;
// Each attribute of a JSON answer is one `{"id": …` object; counting them would parse 100 MB: the answer's
// own count comes from a second, CSV, request (a row a line).
const freqCsv = await streamed({ value: frequent.value, returnFormat: 'csv' });
const freqAttributes = freqCsv.lines - 1;
const csv = frequentOnly ? undefined : await streamed({ returnFormat: 'csv', tags: ['tlp:green'] });

await server.stop();
api.close();
console.log(JSON.stringify({
  bench: 'scale', store: target.dialect, attributes, clients, seconds,
  ...(loaded ? { rest_search_one_value: loaded.oneValue, events_view: loaded.view, events_index_by_tag: loaded.index } : {}),
  frequent_value: { value: frequent.value, events: frequent.events, attributes: freqAttributes, first_byte_ms: freq.first_byte_ms, ms: freq.ms,
    attributes_per_s: Math.round(freqAttributes / (freq.ms / 1000)), json_mb: Math.round(freq.bytes / 1e5) / 10, rounds,
    server_cpu_ms: Math.round(serverCpu), attributes_per_cpu_s: Math.round(freqAttributes / (serverCpu / 1000)) },
  ...(csv ? { csv_by_tag: { tag: 'tlp:green', rows: csv.lines - 1, seconds: Math.round(csv.ms / 10) / 100, first_byte_ms: csv.first_byte_ms } } : {}),
  load_average: await loadAverage(),
}));
