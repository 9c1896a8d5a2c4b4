import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { WriteQueue } from '../../src/services/write-queue.js';
import { parseMispEvent } from '../../src/formats/misp-json/parse.js';
import { saveEvent } from '../../src/store/events/writer.js';
import { forEachDialect } from '../helpers/stores.js';

const within = <T>(p: Promise<T>, ms = 2_000) => Promise.race([p.then(() => 'done'), new Promise<string>((resolve) => setTimeout(() => resolve('stuck'), ms))]);

forEachDialect('API write queue', (fixture) => {
  after(() => fixture.cleanup());

  it('ends its transaction when a create finds its uuid taken after the check (another server stored it meanwhile)', async () => {
    const store = await fixture.open();
    const event = parseMispEvent({ Event: { uuid: 'f1e00000-0000-4000-8000-000000000001', info: 'Raced', Orgc: { name: 'Org A', uuid: 'f1e00000-0000-4000-8000-0000000000aa' } } }).event!;
    await saveEvent(store, event);
    // The check sees nothing, as when the other server had not committed yet; the write then finds the event.
    const queue = new WriteQueue(store, async () => false);
    assert.equal(await queue.save(event, { onlyNew: true }), undefined);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(await within(store.db.insertInto('setting').values({ name: 'after.race', value: '1' }).execute()), 'done', 'no transaction left open');
    assert.equal(await within(store.close()), 'done');
  });
});
