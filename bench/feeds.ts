/**
 * `tsx bench/feeds.ts [--feed DIR] [--lines N] [--report-mb M]`: feeds over loopback into a fresh embedded
 * store, in process. (1) The MISP feed DIR (bench/generate.ts writes one) served by a loopback HTTP server
 * and fetched as a feed: attributes/s, manifest to the last commit. (2) A free-text feed of N lines
 * (addresses, domains, URLs, hashes) served the same way and cached: values/s. (3) Free-text extraction
 * of an M MB analyst report: seconds. `--only misp|text|report` runs one of the three. Prints one JSON
 * line, with the load average and the CPU seconds of each part: the machine may be shared.
 */
import { createReadStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { join, normalize } from 'node:path';
import { parseArgs } from 'node:util';
import { openStore } from '../src/store/db/database.js';
import { bootstrapInstance } from '../src/store/access/users.js';
import { emptyStore } from './bench-store.js';
import { setSetting } from '../src/store/settings.js';
import { insertFeed } from '../src/store/feeds.js';
import { FeedRunner } from '../src/services/feeds/runner.js';
import { WriteQueue } from '../src/services/write-queue.js';
import { freeTextIndicators } from '../src/formats/freetext/complex-types.js';

const { values } = parseArgs({ options: {
  feed: { type: 'string', default: 'bench/out/feed-1000000' }, only: { type: 'string' }, lines: { type: 'string', default: '1000000' }, 'report-mb': { type: 'string', default: '1' },
} });
const part = (name: 'misp' | 'text' | 'report') => values.only === undefined || values.only === name;
if (part('misp') && !existsSync(join(values.feed!, 'manifest.json'))) {
  console.error(`no MISP feed at ${values.feed}: run tsx bench/generate.ts --attributes N --out ${values.feed}`);
  process.exit(1);
}
mkdirSync('bench/out/feeds-host', { recursive: true });

/** Free-text lines: an address, a domain, a URL or an MD5 each, defanged one time in four. */
function textFeed(lines: number): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const a = (i >>> 16) & 255;
    const b = (i >>> 8) & 255;
    const c = i & 255;
    const kind = i % 4;
    const v = kind === 0 ? `10.${a}.${b}.${c}` : kind === 1 ? `host-${i}.example.com` : kind === 2 ? `http://site-${i}.example.net/p/${i}` : (i * 2654435761 >>> 0).toString(16).padStart(8, '0').repeat(4);
    out.push(i % 16 === 1 ? v.replace(/\./g, '[.]') : v);
  }
  return out.join('\n');
}
const textFile = join('bench/out/feeds-host', `text-${values.lines}.txt`);
if (part('text') && !existsSync(textFile)) {
  writeFileSync(textFile, textFeed(Number(values.lines)));
}

/** Serves the MISP feed under /misp/ and the text file under /text.txt. */
const server = createServer((req, res) => {
  const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
  const file = path === '/text.txt' ? textFile : path.startsWith('/misp/') ? normalize(join(values.feed!, path.slice(6))) : '';
  if (!file || !existsSync(file)) return res.writeHead(404).end();
  res.writeHead(200, { 'Content-Length': String(statSync(file).size) });
  createReadStream(file).pipe(res);
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const store = await openStore((await emptyStore('feeds', 'bench/out/feeds.db')).config);
await bootstrapInstance(store);
await setSetting(store, 'feeds.allow_private_networks', 'true');
const runner = new FeedRunner(store, new WriteQueue(store), { maxBytes: 2 * 1024 * 1024 * 1024, timeoutMs: 600_000 });

// CPU seconds too: on a shared machine the wall clock says more of the neighbours than of Cairn.
const cpu = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
};
/** The CPU seconds of the main thread alone (Linux: its task's utime and stime, in ticks of 1/100 s). */
const mainThreadCpu = () => {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const out: Record<string, unknown> = { bench: 'feeds', store: store.dialect, loadavg_before: loadavg().map((l) => round(l, 2)) };

if (part('misp')) {
  const mispId = await insertFeed(store, { name: 'bench', provider: 'bench', url: `${base}/misp`, sourceFormat: 'misp', enabled: true, distribution: 3 });
  const c0 = process.cpuUsage();
  const m0 = mainThreadCpu();
  const t0 = performance.now();
  const fetched = await runner.run(mispId, 'fetch');
  const fetchS = (performance.now() - t0) / 1000;
  const fetchCpu = cpu(c0);
  // The main thread's CPU alone: about what the fetch takes on an idle machine, the parsing thread beside it.
  const fetchMain = mainThreadCpu() - m0;
  if (fetched.outcome !== 'done') throw new Error(`the MISP feed failed: ${fetched.errors.join('; ')}`);
  Object.assign(out, {
    misp_feed_attributes: fetched.attributes,
    misp_feed_events: fetched.events.created,
    misp_feed_s: round(fetchS),
    misp_feed_attributes_per_s: Math.round(fetched.attributes / fetchS),
    misp_feed_cpu_s: round(fetchCpu),
    misp_feed_main_thread_cpu_s: round(fetchMain),
    misp_feed_attributes_per_cpu_s: Math.round(fetched.attributes / fetchCpu),
  });
}

if (part('text')) {
  const textId = await insertFeed(store, { name: 'text', provider: 'bench', url: `${base}/text.txt`, sourceFormat: 'freetext', cachingEnabled: true });
  const c1 = process.cpuUsage();
  const t1 = performance.now();
  const cached = await runner.run(textId, 'cache');
  const cacheS = (performance.now() - t1) / 1000;
  const cacheCpu = cpu(c1);
  if (cached.outcome !== 'done') throw new Error(`the text feed failed: ${cached.errors.join('; ')}`);
  Object.assign(out, {
    text_feed_lines: Number(values.lines),
    text_feed_values_cached: cached.values,
    text_feed_s: round(cacheS),
    text_feed_values_per_s: Math.round(cached.values / cacheS),
    text_feed_cpu_s: round(cacheCpu),
    text_feed_values_per_cpu_s: Math.round(cached.values / cacheCpu),
  });
}

if (part('report')) {
  // A report of about M MB: a paragraph of analyst prose with defanged indicators, repeated.
  const paragraph = `The actor used hxxp://update-check[.]example[.]com/gate.php and 198.51.100.23 to stage the payload `
    + 'd41d8cd98f00b204e9800998ecf8427e (invoice.docm), then moved to login-portal[.]example[.]org over port 443; see CVE-2024-0001. ';
  const report = paragraph.repeat(Math.ceil((Number(values['report-mb']) * 1024 * 1024) / paragraph.length));
  const t2 = performance.now();
  const found = freeTextIndicators(report).length;
  Object.assign(out, { report_bytes: report.length, report_indicators: found, report_extraction_s: round((performance.now() - t2) / 1000, 3) });
}

await runner.close();
await store.close();
server.close();
out.loadavg_after = loadavg().map((l) => round(l, 2));
console.log(JSON.stringify(out));
