import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { sql } from 'kysely';
import { pgArray } from '../../src/store/db/pg-binary-array.js';
import { forEachDialect } from '../helpers/stores.js';

/**
 * Column arrays bound in PostgreSQL's binary form (pg-binary-array.ts) read back as given: nulls, empty
 * and non-ASCII texts, bytes, integers at the ends of their range; a value out of range goes as text and
 * PostgreSQL refuses it as before.
 */
forEachDialect('arrays bound in binary', (fixture) => {
  after(() => fixture.cleanup());

  it('reads back what was bound, and leaves a value out of range to PostgreSQL', async (t) => {
    if (fixture.dialect !== 'postgres') return t.skip('PostgreSQL only');
    const store = await fixture.open();
    const texts = ['', 'plain', 'été 東京 🦀', null, 'a"b\\c{d},e'];
    const bytes = [Buffer.from([0, 1, 255]), null, Buffer.alloc(0)];
    const ints = [0, -1, 2 ** 31 - 1, -(2 ** 31), null];
    const bigs = [0, 2 ** 52 + 3, -(2 ** 40) - 5, null];
    assert.ok(Buffer.isBuffer(pgArray('text', texts)) && Buffer.isBuffer(pgArray('integer', ints)) && Buffer.isBuffer(pgArray('bigint', bigs)));
    const row = (await sql<{ t: Array<string | null>; b: Array<Buffer | null>; i: Array<number | null>; g: Array<string | null> }>`select
      ${pgArray('text', texts)}::text[] as t, ${pgArray('bytea', bytes)}::bytea[] as b,
      ${pgArray('integer', ints)}::integer[] as i, ${pgArray('bigint', bigs)}::bigint[] as g`.execute(store.db)).rows[0]!;
    assert.deepEqual(row.t, texts);
    assert.deepEqual(row.b, bytes);
    assert.deepEqual(row.i, ints);
    assert.deepEqual(row.g.map((v) => (v === null ? null : Number(v))), bigs);
    const outOfRange = pgArray('integer', [2 ** 31]);
    assert.ok(Array.isArray(outOfRange), 'sent as text');
    await assert.rejects(sql`select ${outOfRange}::integer[]`.execute(store.db), /out of range/);
  });
});
