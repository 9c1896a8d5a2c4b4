import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import pg from 'pg';
import { parseMispEvent } from '../../src/formats/misp-json/parse.js';
import type { MispEvent } from '../../src/model/event.js';
import { openStore, type Store } from '../../src/store/db/database.js';
import { EventSaver, saveEvent } from '../../src/store/events/writer.js';
import { addSightings } from '../../src/store/sightings.js';
import { attachTag, detachTag, tagId } from '../../src/store/tags.js';
import { forEachDialect, TEST_DATABASE_URL } from '../helpers/stores.js';

/**
 * Writers of several processes (here: stores of their own on one database, each with its pool and its
 * caches) write at once on PostgreSQL and take turns only to commit (EVENT_WRITER_LOCK). They share
 * values and tags, each in an order of its own, and new organisations: none may deadlock, lose an event, an
 * attribute or a value's count of events, create a value twice, or commit with another's `changed` mark.
 * The saver writes an event again after a deadlock, so deadlocks are counted from PostgreSQL's statistics.
 */

const WRITERS = 3;
const VALUES = 40;
const u = (writer: number, n: number) => `c1000000-0000-4000-8000-${String(writer * 10_000 + n).padStart(12, '0')}`;
const org = (n: number) => ({ name: `Shared org ${n}`, uuid: `c1000000-0000-4000-8000-00000099990${n}` });

/** Deadlocks PostgreSQL has counted in the test database (a backend reports its own as it ends). */
async function deadlocks(): Promise<number> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return Number((await client.query<{ n: string }>('select deadlocks as n from pg_stat_database where datname = current_database()')).rows[0]!.n);
  } finally {
    await client.end();
  }
}

/** Event n of a writer: ten shared values and tags (in the writer's order), one value of its own, two new organisations. */
function event(writer: number, n: number): MispEvent {
  const shared = Array.from({ length: 10 }, (_, i) => {
    const k = (n * 7 + i * 3) % VALUES;
    return writer % 2 ? VALUES - 1 - k : k;
  });
  const attributes = [...shared.map((k) => `shared-${k}.example`), `own-${writer}-${n}.example`]
    .map((value, i) => ({ uuid: u(writer, n * 100 + i + 1), type: 'domain', category: 'Network activity', value: i === 0 ? value.toUpperCase() : value }));
  const tags = ['concurrent:a', 'concurrent:b', 'concurrent:c'].map((name) => ({ name }));
  return parseMispEvent({ Event: {
    uuid: u(writer, n * 100), info: `Writer ${writer} event ${n}`, date: '2024-05-01', timestamp: '100',
    // New organisations created in opposite orders may deadlock (the saver then writes the event again).
    Orgc: org(1), Org: org(2),
    Tag: writer % 2 ? tags.reverse() : tags, Attribute: attributes,
  } }).event!;
}

forEachDialect('writers of several processes at once', (fixture) => {
  const opened: Store[] = [];
  after(async () => {
    await Promise.all(opened.map((s) => s.close().catch(() => undefined)));
    await fixture.cleanup();
  });

  it('share values, tags and organisations without deadlock or loss, each commit with a mark of its own', async () => {
    const first = await fixture.open();
    const deadlocksBefore = fixture.dialect === 'postgres' ? await deadlocks() : 0;
    const stores = [first];
    for (let w = 1; w < WRITERS; w++) {
      const other = await openStore({ ...first.config!, migrate: false });
      opened.push(other);
      stores.push(other);
    }
    const events = stores.map((_, w) => Array.from({ length: 24 }, (_, n) => event(w, n)));
    let commits = 0;
    await Promise.all(stores.map(async (store, w) => {
      const saver = new EventSaver(store, { commitEveryAttributes: Number.MAX_SAFE_INTEGER, commitEveryMs: Number.MAX_SAFE_INTEGER });
      const mine = events[w]!;
      for (let at = 0; at < mine.length; at += 4) {
        const four = mine.slice(at, at + 4);
        // Half the transactions write a group at once, half event by event.
        if ((at / 4 + w) % 2) {
          for (const outcome of await saver.saveMany(four, { onlyNew: true })) assert.ok(!(outcome instanceof Error), String(outcome));
        } else {
          for (const e of four) await saver.save(e, { onlyNew: true });
        }
        await saver.flush();
        commits++;
      }
    }));

    const all = events.flat();
    const db = first.db;
    const stored = await db.selectFrom('event').select(['id', 'info', 'attribute_count', 'changed']).execute();
    assert.equal(stored.length, all.length, 'every event stored');
    assert.ok(stored.every((e) => e.attribute_count === 11), 'every attribute counted');
    const attributes = await db.selectFrom('attribute').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(attributes.n), all.length * 11);
    assert.equal(new Set(stored.map((e) => Number(e.changed))).size, commits, 'one mark per commit');

    // Each value once (folded), counted in every event that holds it.
    const expected = new Map<string, number>();
    for (const e of all) for (const v of new Set(e.attributes.map((a) => a.value.toLowerCase()))) expected.set(v, (expected.get(v) ?? 0) + 1);
    const values = await db.selectFrom('value').leftJoin('value_events', 'value_events.value_id', 'value.id')
      .select(['value.value', 'value_events.events']).execute();
    assert.equal(values.length, new Set(values.map((r) => r.value)).size, 'no value created twice');
    const counted = new Map(values.filter((r) => expected.has(r.value)).map((r) => [r.value, Number(r.events ?? 0)]));
    assert.deepEqual([...counted].sort(), [...expected].sort());

    const tags = await db.selectFrom('tag').select('name').where('name', 'like', 'concurrent:%').execute();
    assert.equal(tags.length, 3);
    const orgs = await db.selectFrom('organisation').select('name').where('name', 'like', 'Shared org %').execute();
    assert.equal(orgs.length, 2);
    if (fixture.dialect === 'postgres') {
      // The backends that wrote end with their stores, and report what they counted.
      await Promise.all(opened.splice(0).map((s) => s.close()));
      await first.close();
      assert.equal(await deadlocks(), deadlocksBefore, 'no deadlock');
    }
  });
  it('gives each commit of a tag or sighting a mark of its own, later than every mark committed before it', async () => {
    const first = await fixture.open();
    const stores = [first];
    for (let w = 1; w < WRITERS; w++) {
      const other = await openStore({ ...first.config!, migrate: false });
      opened.push(other);
      stores.push(other);
    }
    const ids: number[] = [];
    for (let n = 0; n < 30; n++) {
      const saved = await saveEvent(first, parseMispEvent({ Event: {
        uuid: u(9, n * 100), info: `Marked event ${n}`, date: '2024-05-01', timestamp: '100', Orgc: org(1),
        Attribute: [{ uuid: u(9, n * 100 + 1), type: 'domain', category: 'Network activity', value: `marked-${n}.example` }],
      } }).event!);
      ids.push(saved.eventId!);
    }
    const attributes = await first.db.selectFrom('attribute').select(['id', 'event_id']).where('event_id', 'in', ids).execute();
    const tag = (await tagId(first, 'concurrent:mark', true))!;
    const orgId = (await first.db.selectFrom('organisation').select('id').executeTakeFirstOrThrow()).id;
    // Every change at once, from every store: a third of the events get a tag, a third lose one, a third a sighting.
    await Promise.all(ids.map(async (eventId, n) => {
      const store = stores[n % stores.length]!;
      if (n % 3 === 0) assert.ok(await attachTag(store, { kind: 'event', eventId }, tag, false));
      else if (n % 3 === 1) await detachTag(store, { kind: 'event', eventId }, tag);
      else await addSightings(store, attributes.filter((a) => a.event_id === eventId).map((a) => ({ id: a.id, eventId })), orgId, 0, 1_700_000_000, 'test');
    }));
    const marks = await first.db.selectFrom('event').select('changed').where('id', 'in', ids).execute();
    assert.equal(new Set(marks.map((m) => Number(m.changed))).size, ids.length, 'one mark per commit');
  });
});
