import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { after, before, it } from 'node:test';
import { generateEvents } from '../../bench/corpus.js';
import { buildServer } from '../../src/api/server.js';
import { importEvents } from '../../src/services/import/bulk.js';
import type { Store } from '../../src/store/db/database.js';
import { serve, type Instance } from '../helpers/api.js';
import { forEachDialect } from '../helpers/stores.js';

/**
 * A long answer streams while short requests are answered: the store answers synchronously, so an
 * export that never gave the event loop a turn held every other request of the server to its end.
 * Here a client reads the whole store as fast as loopback allows, and getVersion requests asked
 * meanwhile must be answered before it ends.
 */
type EventDoc = { Attribute: unknown[]; Object?: Array<{ Attribute: unknown[] }> };
const attributesOf = (e: EventDoc) => e.Attribute.length + (e.Object ?? []).reduce((n, o) => n + o.Attribute.length, 0);

forEachDialect('long exports and short requests', (fixture) => {
  let i: Instance;
  let attributes = 0;
  /** The id of an event of 10,000 attributes, for events/view. */
  let big = '';
  let store: Store;

  before(async () => {
    store = await fixture.open();
    const docs = [...generateEvents({ attributes: 24_000, eventSize: 1_500, seed: 11 }), ...generateEvents({ attributes: 10_000, eventSize: 10_000, seed: 12, freshFrom: 5_000_000 })];
    for (const d of docs) attributes += attributesOf(d.Event as EventDoc);
    async function* items() {
      for (const [n, json] of docs.entries()) yield { source: `event ${n}`, json };
    }
    const totals = await importEvents(store, items());
    assert.equal(totals.events.rejected, 0);
    // As `cairn serve` runs: events/view and events/index answered on the threads.
    i = await serve(store, { offloadReads: true, exportThreads: 2 });
    const index = (await (await fetch(`${i.base}/events/index`, { headers: { Authorization: i.admin, Accept: 'application/json' } })).json()) as Array<{ id: string; attribute_count: string }>;
    big = index.find((e) => Number(e.attribute_count) === 10_000)!.id;
  });
  after(async () => {
    await i.app.close();
    await fixture.cleanup();
  });

  /**
   * Streams one search to its end from another process (in this one, the reader would share the
   * server's event loop and pace it); when its first and last bytes came, and its text.
   */
  async function stream(path: string, body: unknown): Promise<{ first: number; last: number; text: string }> {
    const reader = `
      const http = require('node:http');
      const req = http.request(process.argv[1], { method: 'POST', headers: { Authorization: process.argv[2], 'Content-Type': 'application/json' } }, (res) => {
        let first = 0;
        res.on('data', (d) => { first ||= Date.now(); process.stdout.write(d); });
        res.on('end', () => process.stderr.write(JSON.stringify({ first, last: Date.now() })));
      });
      req.end(process.argv[3]);`;
    const child = spawn(process.execPath, ['-e', reader, new URL(path, i.base).href, i.admin, JSON.stringify(body)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    await new Promise((resolve) => child.on('exit', resolve));
    const { first, last } = JSON.parse(err) as { first: number; last: number };
    return { first, last, text: Buffer.concat(out).toString() };
  }

  /** Asks for servers/getVersion again and again until `done`; when each answer came. */
  async function versions(done: () => boolean): Promise<number[]> {
    const at: number[] = [];
    while (!done()) {
      const res = await fetch(`${i.base}/servers/getVersion`, { headers: { Authorization: i.admin, Accept: 'application/json' } });
      assert.equal(res.status, 200);
      await res.text();
      at.push(Date.now());
    }
    return at;
  }

  /** How many turns the event loop took while `work` ran. */
  async function turnsDuring<T>(work: () => Promise<T>): Promise<{ result: T; turns: number }> {
    let turns = 0;
    let done = false;
    const spin = () => {
      if (done) return;
      turns++;
      setImmediate(spin);
    };
    setImmediate(spin);
    const result = await work();
    done = true;
    return { result, turns };
  }

  for (const [path, body, count] of [
    ['/attributes/restSearch', {}, (text: string) => (JSON.parse(text) as { response: { Attribute: unknown[] } }).response.Attribute.length],
    ['/attributes/restSearch', { returnFormat: 'csv' }, (text: string) => text.trim().split('\n').length - 1],
    ['/events/restSearch', {}, (text: string) => (JSON.parse(text) as { response: Array<{ Event: EventDoc }> }).response
      .reduce((n, e) => n + attributesOf(e.Event), 0)],
  ] as const) {
    it(`answers getVersion while ${path} ${JSON.stringify(body)} streams the whole store`, async () => {
      let finished = false;
      const answer = stream(path, body).finally(() => {
        finished = true;
      });
      const [{ first, last, text }, answered] = await Promise.all([answer, versions(() => finished)]);
      assert.equal(count(text), attributes, 'every attribute is in the answer');
      const meanwhile = answered.filter((t) => t > first && t < last);
      assert.ok(meanwhile.length >= 2, `getVersion answered ${meanwhile.length} times during the ${Math.round(last - first)} ms the export streamed`);
    });

    it(`gives the event loop turns while ${path} ${JSON.stringify(body)} is written to a reader that takes all at once`, async () => {
      // An injected request's reader takes every piece as it comes, as a fast socket does: without turns
      // of its own the export would run to its end before anything else.
      const { result, turns } = await turnsDuring(() => i.app.inject({ method: 'POST', url: path, payload: body, headers: { Authorization: i.admin } }));
      assert.equal(count(result.body), attributes);
      assert.ok(turns >= 20, `the event loop turned ${turns} times while the export was written`);
    });
  }

  // Answers read and serialised whole (an event, an index page) are made on the server's threads: the
  // server's own event loop keeps turning meanwhile.
  for (const [name, path, body, check] of [
    ['events/view of a 10,000-attribute event', () => `/events/view/${big}`, {}, (text: string) => attributesOf((JSON.parse(text) as { Event: EventDoc }).Event) === 10_000],
    ['events/index of every event', () => '/events/index', { limit: 1000 }, (text: string) => (JSON.parse(text) as unknown[]).length === 17],
  ] as const) {
    it(`answers getVersion while ${name} is read and written`, async () => {
      let finished = false;
      const answer = stream(path(), body).finally(() => {
        finished = true;
      });
      const [{ text }, answered] = await Promise.all([answer, versions(() => finished)]);
      assert.ok(check(text), text.slice(0, 200));
      assert.ok(answered.length >= 2, `getVersion answered ${answered.length} times while ${name} was made`);
    });

    it(`gives the event loop turns while ${name} is made`, async () => {
      const { result, turns } = await turnsDuring(() => i.app.inject({ method: 'POST', url: path(), payload: body, headers: { Authorization: i.admin } }));
      assert.equal(result.statusCode, 200);
      assert.ok(check(result.body));
      assert.ok(turns >= 20, `the event loop turned ${turns} times while ${name} was made`);
    });
  }

  it('answers on the threads exactly as on the server\'s own thread', async () => {
    const here = await buildServer(store);
    try {
      const base = await here.listen({ host: '127.0.0.1', port: 0 });
      for (const [method, path, body, key] of [
        ['GET', `/events/view/${big}/includeEventCorrelations:0`, undefined, i.admin],
        ['POST', `/events/view/${big}`, { deleted: [0, 1] }, i.admin],
        ['GET', '/events/index/limit:5/page:2', undefined, i.admin],
        ['POST', '/events/index', { limit: 3, minimal: 1 }, i.admin],
        ['GET', `/events/${big}`, undefined, i.alice],
        ['GET', '/events/view/999999', undefined, i.admin],
        ['GET', '/events/index', undefined, null],
        ['GET', '/events/index', undefined, 'W'.repeat(40)],
      ] as const) {
        const ask = async (at: string) => {
          const res = await fetch(`${at}${path}`, {
            method, headers: { Accept: 'application/json', 'Content-Type': 'application/json', ...(key ? { Authorization: key } : {}) },
            ...(body ? { body: JSON.stringify(body) } : {}),
          });
          return { status: res.status, etag: res.headers.get('etag'), type: res.headers.get('content-type'), body: await res.text() };
        };
        assert.deepEqual(await ask(i.base), await ask(base), `${method} ${path}`);
      }
      // A compressed body is handed on as this server read it.
      const index = (init: RequestInit) => fetch(`${i.base}/events/index`, { method: 'POST', ...init }).then(async (r) => [r.status, await r.text()]);
      const headers = { Authorization: i.admin, Accept: 'application/json', 'Content-Type': 'application/json' };
      assert.deepEqual(await index({ headers: { ...headers, 'Content-Encoding': 'gzip' }, body: gzipSync(JSON.stringify({ limit: 2 })) }),
        await index({ headers, body: JSON.stringify({ limit: 2 }) }));
    } finally {
      await here.close();
    }
  });
});
