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
  it('writes new events that come together as a group, each uuid once, and answers each once it is committed', async () => {
    const store = await fixture.open();
    const org = { name: 'Org A', uuid: 'f1e00000-0000-4000-8000-0000000000aa' };
    const event = (n: number) => parseMispEvent({ Event: { uuid: `f1e00000-0000-4000-8000-00000000020${n}`, info: `Group ${n}`, Orgc: org,
      Attribute: [{ type: 'ip-dst', category: 'Network activity', value: `198.51.100.${n}` }, { type: 'domain', category: 'Network activity', value: 'shared.example' }] } }).event!;
    await saveEvent(store, event(0));
    const queue = new WriteQueue(store);
    // A stored uuid, and one given twice in the group: each answered as taken.
    const answers = await Promise.all([event(1), event(2), event(0), event(2), event(3)].map(async (e) => {
      const outcome = await queue.save(e, { onlyNew: true });
      if (outcome) {
        // Read outside the queue's transaction (PostgreSQL: another connection of the pool).
        const row = await store.db.selectFrom('event').select('attribute_count').where('id', '=', outcome.eventId).executeTakeFirst();
        assert.equal(row?.attribute_count, 2, `${e.info} committed when answered`);
      }
      return outcome?.status;
    }));
    assert.deepEqual(answers, ['created', 'created', undefined, undefined, 'created']);
    const stored = await store.db.selectFrom('event').select('info').where('info', 'like', 'Group %').orderBy('info').execute();
    assert.deepEqual(stored.map((r) => r.info), ['Group 0', 'Group 1', 'Group 2', 'Group 3']);
    // The value all four share correlates them all.
    const shared = await store.db.selectFrom('value').innerJoin('value_events', 'value_events.value_id', 'value.id').select('value_events.events').where('value.value', '=', 'shared.example').executeTakeFirst();
    assert.equal(Number(shared?.events), 4);
    assert.equal(await within(store.close()), 'done');
  });
  it('holds a commit back for a bulk writer until its attribute budget is written, its time is up, or it lets go', async () => {
    const store = await fixture.open();
    const org = { name: 'Org A', uuid: 'f1e00000-0000-4000-8000-0000000000aa' };
    const event = (n: number, attributes: number) => parseMispEvent({ Event: { uuid: `f1e00000-0000-4000-8000-00000000010${n}`, info: `Bulk ${n}`, Orgc: org,
      Attribute: Array.from({ length: attributes }, (_, i) => ({ type: 'ip-dst', category: 'Network activity', value: `192.0.2.${n * 10 + i}` })) } }).event!;
    const turns = async (n: number) => { for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve)); };
    const queue = new WriteQueue(store);
    const release = queue.holdCommits(3, 60_000);
    let first = false;
    const one = queue.save(event(1, 1), { onlyNew: true }).then((o) => { first = true; return o; });
    await turns(20);
    assert.equal(first, false, 'one attribute of three: the commit waits for more');
    const two = queue.save(event(2, 2), { onlyNew: true });
    assert.equal((await one)?.status, 'created', 'three attributes: committed');
    assert.equal((await two)?.status, 'created');
    // Under the budget, letting go commits at once.
    let third = false;
    const three = queue.save(event(3, 1), { onlyNew: true }).then((o) => { third = true; return o; });
    await turns(20);
    assert.equal(third, false);
    release();
    assert.equal((await three)?.status, 'created');
    // A hold with little time commits when the time is up, with nothing more written.
    const brief = queue.holdCommits(1_000, 20);
    assert.equal((await queue.save(event(4, 1), { onlyNew: true }))?.status, 'created');
    brief();
    assert.equal(await within(store.close()), 'done');
  });
});
