import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { generateEvents } from '../../bench/corpus.js';
import { bytesToUuid } from '../../src/store/db/uuid.js';
import { ROOT, cairnArgs } from '../helpers/cli.js';

const ADMIN_KEY = `${'W'.repeat(20)}${randomBytes(10).toString('hex')}`;

/** Runs `cairn ARGS` on the store `db`; resolves with its exit code and what it wrote to stderr. */
function cairn(db: string, args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; err: string }> } {
  const child = spawn(process.execPath, cairnArgs(...args), {
    cwd: ROOT, env: { ...process.env, CAIRN_DB: db, DATABASE_URL: '', CAIRN_ADMIN_KEY: ADMIN_KEY }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  return { child, done: new Promise((resolve) => child.on('exit', (code) => resolve({ code, err }))) };
}

/**
 * Two processes writing one embedded store at once: a `cairn import` into the file a `cairn serve` is
 * writing. Each transaction takes the write lock when it opens and waits for it, so neither side
 * loses an event to "database is locked" (a deferred transaction whose snapshot went stale could not).
 */
describe('two processes writing one SQLite file', () => {
  const work = mkdtempSync(join(tmpdir(), 'cairn-writers-'));
  const children: ChildProcess[] = [];
  after(() => {
    for (const c of children) c.kill('SIGTERM');
    rmSync(work, { recursive: true, force: true });
  });

  it('an import and API writes interleave, and every event of both is stored', async () => {
    const db = join(work, 'cairn.db');
    const feed = join(work, 'feed');
    mkdirSync(feed);
    const uuids = new Set<string>();
    // Many small events: each commit of either side is a chance for the other's snapshot to go stale.
    for (const doc of generateEvents({ attributes: 12_000, eventSize: 20, seed: 5 })) {
      const e = doc.Event as { uuid: string };
      uuids.add(e.uuid);
      writeFileSync(join(feed, `${e.uuid}.json`), JSON.stringify(doc));
    }

    const server = cairn(db, ['serve', '--port', '0']);
    children.push(server.child);
    const base = await new Promise<string>((resolve, reject) => {
      let err = '';
      server.child.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /serving MISP's REST API on (http:\/\/\S+)/.exec(err);
        if (m) resolve(m[1]!);
      });
      server.child.on('exit', () => reject(new Error(`serve stopped: ${err}`)));
    });

    const importing = cairn(db, ['import', '--quiet', feed]);
    children.push(importing.child);
    let finished = false;
    const imported = importing.done.then((r) => {
      finished = true;
      return r;
    });
    const statuses: number[] = [];
    const added: string[] = [];
    // Four clients add events until the import is over (and at least 40 of them).
    await Promise.all(Array.from({ length: 4 }, async (_, client) => {
      for (let n = 0; !finished || n < 10; n++) {
        const res = await fetch(`${base}/events/add`, {
          method: 'POST', headers: { Authorization: ADMIN_KEY, Accept: 'application/json', 'Content-Type': 'application/json' },
          body: JSON.stringify({ Event: { info: `API ${client}.${n}`, distribution: 0, Attribute: Array.from({ length: 10 }, (_x, k) => ({ type: 'ip-dst', value: `10.${client}.${n % 250}.${k}` })) } }),
        });
        const body = await res.json() as { Event?: { uuid: string } };
        statuses.push(res.status);
        if (body.Event) added.push(body.Event.uuid);
      }
    }));
    const result = await imported;

    assert.equal(result.code, 0, result.err);
    assert.match(result.err, new RegExp(`events: ${uuids.size} imported, 0 updated, 0 unchanged, 0 rejected`));
    assert.deepEqual(statuses.filter((s) => s !== 200), [], 'every events/add answered 200');
    assert.ok(added.length >= 40);

    const peek = new SQLite(db, { readonly: true });
    try {
      const stored = new Set((peek.prepare('SELECT uuid FROM event').pluck().all() as Buffer[]).map((u) => bytesToUuid(u)));
      for (const u of uuids) assert.ok(stored.has(u), `imported event ${u} is stored`);
      for (const u of added) assert.ok(stored.has(u), `added event ${u} is stored`);
      assert.equal(stored.size, uuids.size + added.length);
    } finally {
      peek.close();
    }
  });
});
