import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { randomUUID } from 'node:crypto';
import { uuidToBytes } from '../../src/store/db/uuid.js';
import { forEachDialect } from '../helpers/stores.js';

forEachDialect('store connections', (fixture) => {
  after(() => fixture.cleanup());

  it('answers a read while a write transaction is open, with what is committed', async () => {
    const store = await fixture.open();
    const names = async () => (await store.db.selectFrom('organisation').select('name').orderBy('name').execute()).map((r) => r.name);
    const before = await names();
    const trx = await store.db.startTransaction().execute();
    await trx.insertInto('organisation').values({ uuid: uuidToBytes(randomUUID()), name: 'Not yet', local: 1, created: 0 }).execute();
    const during = await Promise.race([names(), new Promise<'waited'>((resolve) => setTimeout(() => resolve('waited'), 2_000))]);
    assert.deepEqual(during, before, 'the read neither waits for the transaction nor sees what it has not committed');
    await trx.commit().execute();
    assert.deepEqual(await names(), [...before, 'Not yet'].sort());
  });

  it('lets a write outside the transaction wait for it, then applies both', async () => {
    const store = await fixture.open();
    const trx = await store.db.startTransaction().execute();
    await trx.insertInto('organisation').values({ uuid: uuidToBytes(randomUUID()), name: 'First', local: 1, created: 0 }).execute();
    const second = store.db.insertInto('organisation').values({ uuid: uuidToBytes(randomUUID()), name: 'Second', local: 1, created: 0 }).execute();
    await trx.commit().execute();
    await second;
    const names = (await store.db.selectFrom('organisation').select('name').where('name', 'in', ['First', 'Second']).orderBy('name').execute()).map((r) => r.name);
    assert.deepEqual(names, ['First', 'Second']);
  });
});
