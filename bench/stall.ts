/**
 * `tsx bench/stall.ts [--db FILE] [--workers N]`: do long answers hold short ones? Serves a copy of the
 * store built by bench/import.ts, and measures `servers/getVersion` and `events/view` (each asked every
 * 100 ms) first alone, then while three clients read the whole store at once: an unfiltered
 * attributes/restSearch (JSON), the same as CSV, and an unfiltered events/restSearch. Then a client that
 * stops reading an unfiltered restSearch: how much the server's memory grows meanwhile. Prints one JSON line.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { BENCH_KEY, client, loadAverage, pct, startServer } from './harness.js';
import { copyOfImportedStore } from './bench-store.js';

const { values } = parseArgs({ options: { db: { type: 'string', default: 'bench/out/import.db' }, workers: { type: 'string' } } });
const copy = await copyOfImportedStore('stall', values.db);

const server = await startServer(copy.env, values.workers ? ['--workers', values.workers] : []);
const api = client(server.base);

// Events of 10–500 attributes, as an analyst opens them.
const index = JSON.parse((await api.request('GET', '/events/index?limit=200', undefined, true)).body!) as Array<{ id: string; attribute_count: string }>;
const viewable = index.filter((e) => Number(e.attribute_count) >= 10 && Number(e.attribute_count) <= 500).map((e) => e.id);
if (viewable.length === 0) throw new Error('no event of 10–500 attributes in the store');

/** Asks for `path` every `everyMs` until `until()` says stop; latencies in ms. */
async function sample(path: (n: number) => string, everyMs: number, until: () => boolean): Promise<number[]> {
  const out: number[] = [];
  for (let n = 0; !until(); n++) {
    const t = performance.now();
    const a = await api.request('GET', path(n));
    if (a.status !== 200) throw new Error(`${path(n)} answered ${a.status}`);
    const took = performance.now() - t;
    out.push(took);
    await new Promise((r) => setTimeout(r, Math.max(0, everyMs - took)));
  }
  return out;
}

async function short(until: () => boolean) {
  const [version, view] = await Promise.all([
    sample(() => '/servers/getVersion', 100, until),
    sample((n) => `/events/view/${viewable[n % viewable.length]}`, 100, until),
  ]);
  return {
    version_p50_ms: pct(version, 50), version_p99_ms: pct(version, 99), version_max_ms: pct(version, 100),
    view_p50_ms: pct(view, 50), view_p99_ms: pct(view, 99), view_max_ms: pct(view, 100), samples: version.length + view.length,
  };
}

// Alone, for five seconds.
let stop = performance.now() + 5000;
const alone = await short(() => performance.now() > stop);

// While the whole store is read three ways at once.
const longClient = client(server.base, 8);
const timed = async (path: string, body: unknown) => {
  const t = performance.now();
  const a = await longClient.request('POST', path, body);
  return { status: a.status, mb: Math.round(a.bytes / 1e5) / 10, seconds: Math.round((performance.now() - t) / 10) / 100 };
};
let reading = 3;
const long = [
  timed('/attributes/restSearch', {}), timed('/attributes/restSearch', { returnFormat: 'csv' }), timed('/events/restSearch', {}),
].map((p) => p.finally(() => reading--));
const during = await short(() => reading === 0);
const [json, csv, events] = await Promise.all(long);

// A reader that stops: the server holds what the socket buffers, not the answer.
const rss = () => {
  const pids = [server.child.pid!];
  let kb = 0;
  for (const pid of pids) kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return Math.round(kb / 1024);
};
const before = rss();
const stalled = await new Promise<number>((resolve, reject) => {
  const req = http.request({ host: server.base.hostname, port: server.base.port, path: '/attributes/restSearch', method: 'POST',
    headers: { Authorization: BENCH_KEY, 'Content-Type': 'application/json' } }, (res) => {
    res.pause();
    setTimeout(() => {
      const grown = rss() - before;
      req.destroy();
      resolve(grown);
    }, 8000);
  });
  req.on('error', reject);
  req.end('{}');
});
stop = performance.now() + 3000;
const after = await short(() => performance.now() > stop);

await server.stop();
api.close();
longClient.close();
console.log(JSON.stringify({
  bench: 'stall', store: copy.dialect, workers: values.workers ?? 'default', load_average: await loadAverage(),
  alone, during_long_reads: during, after_long_reads: after,
  attributes_json: json, attributes_csv: csv, events_json: events,
  rss_growth_mb_while_a_reader_stalls_8s: stalled,
}));
