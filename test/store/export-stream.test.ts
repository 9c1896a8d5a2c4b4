import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { OPERATOR, type Viewer } from '../../src/access/viewer.js';
import { parseMispEvent } from '../../src/formats/misp-json/parse.js';
import type { Store } from '../../src/store/db/database.js';
import { EventSaver } from '../../src/store/events/writer.js';
import { exportAttributes } from '../../src/store/search/export-stream.js';
import { searchAttributes, type AttributeFilter } from '../../src/store/search/attributes.js';
import { generateEvents } from '../../bench/corpus.js';
import { forEachDialect } from '../helpers/stores.js';

/**
 * The export stream reads event by event, skipping tag tests inside events that carry the tags: it
 * must find exactly what the plain search finds, for every kind of filter and viewer.
 */
forEachDialect('store: the export stream finds what search finds', (fixture) => {
  let store: Store;
  let orgId: number;
  before(async () => {
    store = await fixture.open();
    const saver = new EventSaver(store);
    for (const raw of generateEvents({ attributes: 6000, eventSize: 150, seed: 5 })) {
      const parsed = parseMispEvent(raw);
      // Some events are their organisation's alone, to check the policy inside the stream.
      if (parsed.event) await saver.save(/campaign \d*[05] /.test(parsed.event.info) ? { ...parsed.event, distribution: 0 } : parsed.event);
    }
    await saver.flush();
    orgId = (await store.db.selectFrom('organisation').select('id').orderBy('id').executeTakeFirstOrThrow()).id;
  });
  after(() => fixture.cleanup());

  const ids = async (viewer: Viewer, filter: AttributeFilter) => {
    const out: number[] = [];
    for await (const page of exportAttributes(store, viewer, filter)) out.push(...page.map((a) => a.id));
    return out.sort((a, b) => a - b);
  };
  const expected = async (viewer: Viewer, filter: AttributeFilter) => (await searchAttributes(store, viewer, filter)).map((h) => h.id).sort((a, b) => a - b);

  const FILTERS: AttributeFilter[] = [
    { anyTags: ['tlp:green'] },
    { anyTags: ['tlp:green', 'misp-galaxy:malware="Emotet"'] },
    { anyTags: ['tlp:%'] },
    { tags: ['tlp:amber', 'type:OSINT'] },
    { anyTags: ['tlp:white'], notTags: ['type:OSINT'] },
    { types: ['domain', 'md5'] },
    { value: '%.com' },
    { toIds: false, categories: ['Other'] },
    {},
  ];

  it('for every filter, as the operator and as a user of another organisation', async () => {
    const user: Viewer = { kind: 'user', orgId: orgId + 100, siteAdmin: false };
    for (const filter of FILTERS) {
      for (const viewer of [OPERATOR, user]) {
        const want = await expected(viewer, filter);
        assert.ok(want.length > 0 || JSON.stringify(filter).includes('Other'), `${JSON.stringify(filter)} finds something`);
        assert.deepEqual(await ids(viewer, filter), want, `${JSON.stringify(filter)} as ${viewer.kind}`);
      }
    }
  });

  it('leaves out what the user may not see', async () => {
    const user: Viewer = { kind: 'user', orgId: orgId + 100, siteAdmin: false };
    const everything = (await ids(OPERATOR, {})).length;
    const his = (await ids(user, {})).length;
    assert.ok(his > 0 && his < everything, `${his} of ${everything}`);
  });

  it('bounds the whole listing by limit and offset', async () => {
    const all = await ids(OPERATOR, { anyTags: ['tlp:green'] });
    const page = await ids(OPERATOR, { anyTags: ['tlp:green'], limit: 100, offset: 250 });
    assert.equal(page.length, 100);
    assert.ok(page.every((id) => all.includes(id)));
  });
});
