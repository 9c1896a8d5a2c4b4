import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { listAudit, recordAudit } from '../../src/store/access/audit-log.js';
import { forEachDialect } from '../helpers/stores.js';

forEachDialect('audit log', (fixture) => {
  after(() => fixture.cleanup());

  it('stores entries recorded at once, each before its caller hears it is stored', async () => {
    const store = await fixture.open();
    const entry = (n: number) => ({ userId: null, email: `user${n}@example.org`, orgId: null, ip: '127.0.0.1', action: 'add', model: 'Event', modelId: String(n), request: 'POST /events/add' });
    const seenOnResolve: boolean[] = [];
    await Promise.all(Array.from({ length: 120 }, (_, n) => recordAudit(store, entry(n)).then(async () => {
      const found = await listAudit(store, { modelId: String(n), limit: 10, page: 1 });
      seenOnResolve[n] = found.length === 1 && found[0]!.email === `user${n}@example.org`;
    })));
    assert.equal(seenOnResolve.filter(Boolean).length, 120, 'every entry readable once its caller is told it is stored');
    const all = await listAudit(store, { model: 'Event', limit: 1000, page: 1 });
    assert.deepEqual(all.map((e) => Number(e.modelId)).sort((a, b) => a - b), Array.from({ length: 120 }, (_, n) => n));
  });
});
