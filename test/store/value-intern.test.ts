import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { internValues, type InternState } from '../../src/store/values/index.js';
import { forEachDialect } from '../helpers/stores.js';

/**
 * Values are interned on PostgreSQL either read first or created first (when most of the last batch was
 * new, values/index.ts): both ways give each text its one id, whatever its case, and tell the share of
 * values stored already.
 */
forEachDialect('interning values', (fixture) => {
  after(() => fixture.cleanup());

  it('gives the same ids read first or created first, and the share stored already', async () => {
    const store = await fixture.open();
    const before = ['stored.example', 'Other.example', '192.0.2.7'];
    const first: InternState = { storedShare: 1 };
    const stored = await internValues(store, store.db, before, first);
    const mixed = ['STORED.example', 'new.example', 'other.example', '198.51.100.0/24', 'new.example', 'NEW.example'];
    for (const share of [1, 0]) {
      const state: InternState = { storedShare: share };
      const ids = await store.db.transaction().execute(async (trx) => {
        const got = await internValues(store, trx, mixed, state);
        // Rolled back: each way starts from the same stored values.
        throw Object.assign(new Error('rollback'), { got });
      }).catch((err: { got?: Map<string, number> }) => err.got!);
      assert.equal(ids.get('STORED.example'), stored.get('stored.example'));
      assert.equal(ids.get('other.example'), stored.get('Other.example'));
      assert.equal(ids.get('new.example'), ids.get('NEW.example'));
      if (store.dialect === 'postgres') {
        // Two new values of the four distinct ones.
        assert.equal(state.storedShare, 0.5);
      }
    }
  });
});
