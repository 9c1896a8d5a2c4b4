/**
 * `tsx bench/ui.ts [--events N] [--big N]`: the web interface in headless Chromium over an embedded store
 * of N small events (default 100,000) and one event of `--big` attributes (default 10,000). Measures, as
 * a user sees it, the time until the event page lists the big event's attributes, until its correlation
 * marks are there, and until the event index shows a page (first, deep, sorted, searched). Median of
 * five tries each. Prints one JSON line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { buildServer } from '../src/api/server.js';
import { importEvents } from '../src/services/import/bulk.js';
import { openStore } from '../src/store/db/database.js';
import { emptyStore } from './bench-store.js';
import { bootstrapInstance } from '../src/store/access/users.js';
import { generateEvents } from './corpus.js';

const { values } = parseArgs({ options: { events: { type: 'string', default: '100000' }, big: { type: 'string', default: '10000' } } });
const events = Number(values.events);
const big = Number(values.big);
const PASSWORD = 'a benchmark password';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-ui-'));
const store = await openStore((await emptyStore('ui', join(dir, 'cairn.db'))).config);
const boot = await bootstrapInstance(store, { adminPassword: PASSWORD });
const t0 = performance.now();
async function* items() {
  for (const doc of generateEvents({ attributes: events * 3, eventSize: 3, seed: 21 })) yield { source: 'corpus', json: doc };
  for (const doc of generateEvents({ attributes: big, eventSize: big, seed: 22, pool: 2000, freshFrom: 600_000_000 })) yield { source: 'big', json: doc };
}
const summary = await importEvents(store, items());
const importS = (performance.now() - t0) / 1000;
const bigId = (await store.db.selectFrom('event').select('id').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow()).id;

const app = await buildServer(store);
const base = await app.listen({ host: '127.0.0.1', port: 0 });
/** Milliseconds the server takes to answer a request, median of five: what the page waits for. */
async function served(url: string): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    const res = await app.inject({ method: 'GET', url, headers: { Authorization: boot.admin!.key } });
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode}`);
    runs.push(performance.now() - start);
  }
  return Math.round(median(runs));
}
const browser = await chromium.launch({
  executablePath: process.env.CAIRN_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
await page.goto(`${base}/`);
await page.getByLabel('E-mail address').fill('admin@admin.test');
await page.getByLabel('Password').fill(PASSWORD);
await page.getByRole('button', { name: 'Sign in' }).click();
await page.getByRole('heading', { name: 'Dashboard' }).waitFor({ timeout: 120_000 });

/** Milliseconds from asking for a page (from another one) until what it waits for is on screen. */
async function timed(hash: string, ready: string): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    await page.goto(`${base}/#/profile`);
    await page.getByRole('heading', { name: 'API keys' }).waitFor();
    const start = performance.now();
    await page.evaluate(`window.location.hash = ${JSON.stringify(hash)}`);
    await page.locator(ready).first().waitFor({ timeout: 60_000 });
    runs.push(performance.now() - start);
  }
  return Math.round(median(runs));
}

const result = {
  bench: 'ui',
  store: store.dialect,
  events: summary.events.created,
  big_event_attributes: big,
  import_s: Math.round(importS * 10) / 10,
  view_api_ms: await served(`/events/view/${bigId}`),
  annotations_api_ms: await served(`/cairn/events/${bigId}/annotations`),
  event_page_ms: await timed(`/events/${bigId}`, '.attribute-row'),
  event_page_marked_ms: await timed(`/events/${bigId}`, '.attribute-row .badge.corr'),
  rows_in_page: await page.locator('.attribute-row').count(),
  index_first_page_ms: await timed('/events', '.events-table tbody tr'),
  index_page_1000_ms: await timed('/events?page=1000', '.events-table tbody tr'),
  index_sorted_by_title_ms: await timed('/events?sort=info&dir=asc&page=50', '.events-table tbody tr'),
  index_search_ms: await timed('/events?search=login', '.events-table tbody tr'),
  dashboard_ms: await timed('/', '.figure-value'),
};
await browser.close();
await app.close();
await store.close();
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify(result));
