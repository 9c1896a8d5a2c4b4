import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { randomUUID } from 'node:crypto';
import { OPERATOR } from '../../src/access/viewer.js';
import { parseMispEvent } from '../../src/formats/misp-json/parse.js';
import { uuidToBytes } from '../../src/store/db/uuid.js';
import { EventSaver, saveEvent } from '../../src/store/events/writer.js';
import { searchAttributes } from '../../src/store/search/attributes.js';
import { exportAttributes } from '../../src/store/search/export-stream.js';
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

  it('answers a search by value and an export, read through kept statements, with what is committed', async () => {
    const store = await fixture.open();
    const event = (uuid: string, timestamp: string, values: string[]) => parseMispEvent({ Event: {
      uuid, info: 'Isolation', date: '2024-01-01', timestamp, Attribute: values.map((value) => ({ type: 'domain', value })),
    } }).event!;
    const first = '30000000-0000-4000-8000-000000000001';
    const second = '30000000-0000-4000-8000-000000000002';
    await saveEvent(store, event(first, '10', ['shared.example']));
    const found = async () => (await searchAttributes(store, OPERATOR, { value: 'shared.example', limit: 100 })).map((h) => h.eventUuid);
    const foundAmong = async () => (await searchAttributes(store, OPERATOR, { values: ['shared.example'], limit: 100 })).map((h) => h.eventUuid);
    const exported = async () => {
      const out: string[] = [];
      for await (const page of exportAttributes(store, OPERATOR, { types: ['domain'] })) out.push(...page.map((a) => a.value));
      return out.sort();
    };
    assert.deepEqual(await found(), [first]);
    // An import holding its transaction open: a second event with the value, and the first one grown.
    const saver = new EventSaver(store, { commitEveryAttributes: 1_000_000, commitEveryMs: 3_600_000 });
    await saver.save(event(second, '10', ['shared.example']));
    await saver.save(event(first, '20', ['shared.example', 'later.example']));
    assert.deepEqual(await found(), [first], 'the one-value search sees no uncommitted attribute');
    assert.deepEqual(await foundAmong(), [first], 'nor does a search by a list of one value');
    assert.deepEqual(await exported(), ['shared.example'], 'the export sees no uncommitted attribute');
    await saver.flush();
    assert.deepEqual(await found(), [first, second]);
    assert.deepEqual(await foundAmong(), [first, second]);
    assert.deepEqual(await exported(), ['later.example', 'shared.example', 'shared.example']);
  });
});
