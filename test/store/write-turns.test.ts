import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { recordAudit } from '../../src/store/access/audit-log.js';
import { openStore, type Store } from '../../src/store/db/database.js';
import { shareWriteTurns, type WriteTurns } from '../../src/store/db/sqlite-connections.js';

/** Who holds the turn, and who waits in line for it. */
const state = { holder: undefined as string | undefined, line: [] as Array<() => void> };

/** Turns handed out in order, as serve's primary does, each step noted. */
function turnsOf(log: string[], who: string): WriteTurns {
  let n = 0;
  return {
    take() {
      const turn = ++n;
      log.push(`${who} asks`);
      return new Promise<number>((resolve) => {
        const grant = () => {
          state.holder = who;
          log.push(`${who} holds`);
          resolve(turn);
        };
        if (state.holder === undefined) grant();
        else state.line.push(grant);
      });
    },
    give() {
      log.push(`${who} gives`);
      state.holder = undefined;
      state.line.shift()?.();
    },
  };
}

const entry = (action: string) => ({ userId: null, email: 'w@t.test', orgId: null, ip: '::1', action, model: 'Event', modelId: '', request: 'test' });

/**
 * Two processes of one instance (here two stores of one file in one process, each with the turns it
 * was opened with) take turns at the writer lock: a write waits for the other's turn to end, the turn
 * ends with its transaction (committed or rolled back) or its single write, and what both wrote is stored.
 */
describe('write turns shared by the processes of an instance', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-turns-'));
  const opened: Store[] = [];
  after(async () => {
    await Promise.all(opened.map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('a write waits for the turn of the other, which ends with its transaction, committed or not', async () => {
    const file = join(dir, 'turns.db');
    const log: string[] = [];
    // The first opening migrates; the turns apply from the next write on.
    const open = async (who: string) => {
      shareWriteTurns(turnsOf(log, who));
      try {
        const store = await openStore({ databaseUrl: undefined, sqlitePath: file });
        opened.push(store);
        return store;
      } finally {
        shareWriteTurns(undefined);
      }
    };
    const a = await open('a');
    const b = await open('b');
    log.length = 0;

    let letGo!: () => void;
    const holding = new Promise<void>((resolve) => (letGo = resolve));
    const inA = a.db.transaction().execute(async (trx) => {
      await trx.insertInto('audit_log').values({ created: 1, user_id: null, email: 'a', org_id: null, ip: '', action: 'a1', model: 'Event', model_id: '', request: '' }).execute();
      await holding;
    });
    while (!log.includes('a holds')) await new Promise((r) => setImmediate(r));
    const inB = recordAudit(b, entry('b1'));
    while (!log.includes('b asks')) await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(log, ['a asks', 'a holds', 'b asks'], 'b waits for its turn without taking the lock');
    letGo();
    await Promise.all([inA, inB]);
    assert.deepEqual(log, ['a asks', 'a holds', 'b asks', 'a gives', 'b holds', 'b gives']);

    // A transaction that fails gives its turn back as well.
    log.length = 0;
    await assert.rejects(a.db.transaction().execute(async () => {
      throw new Error('no');
    }), /no/);
    await recordAudit(b, entry('b2'));
    assert.deepEqual(log, ['a asks', 'a holds', 'a gives', 'b asks', 'b holds', 'b gives']);

    const actions = (await a.db.selectFrom('audit_log').select('action').orderBy('id').execute()).map((r) => r.action);
    assert.deepEqual(actions.filter((x) => /^[ab]\d$/.test(x)), ['a1', 'b1', 'b2']);
  });
});
