import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { addOrganisation } from '../../src/store/access/organisations.js';
import { addApiKey, addUser } from '../../src/store/access/users.js';
import { call, makeTags, serve, type Instance } from '../helpers/api.js';
import { forEachDialect } from '../helpers/stores.js';

/**
 * Every read endpoint × every distribution level × every kind of viewer: the owner organisation
 * (alice, Org A), a member of the sharing group (mia, Org M), an organisation outside it (bob, Org B)
 * and a site admin. Each event holds a value of its own, a value all of them share, a tag, a
 * sighting, an object, a report, a note and an opinion; events are found through every way the API
 * offers, and what must stay hidden must not show up anywhere, not even as a count or a related event.
 * Reports and notes at each level of their own sit in an event all may see.
 */
const LEVELS = [0, 1, 2, 3, 4] as const;
const eventUuid = (d: number) => `ee000000-0000-4000-8000-00000000000${d}`;
const attrUuid = (d: number) => `ee000000-0000-4000-8000-0000000000a${d}`;
const objectUuid = (d: number) => `ee000000-0000-4000-8000-0000000000b${d}`;
const own = (d: number) => `d${d}.leak.example`;
const SHARED = 'shared.leak.example';
/** An event of distribution 3 whose attributes are each at a level of their own. */
const MIXED = 'ee000000-0000-4000-8000-0000000000ff';
const mixedAttr = (d: number) => `ee000000-0000-4000-8000-0000000000c${d}`;
/** A note (shared with all) on each level's event, and an opinion (shared with all) on its attribute. */
const noteUuid = (d: number) => `ee000000-0000-4000-8000-0000000000d${d}`;
const opinionUuid = (d: number) => `ee000000-0000-4000-8000-0000000001a${d}`;
/** Notes and reports of the mixed event, each at a level of its own. */
const mixedNote = (d: number) => `ee000000-0000-4000-8000-0000000000e${d}`;
const mixedReport = (d: number) => `ee000000-0000-4000-8000-0000000000f${d}`;

type Who = 'owner' | 'member' | 'other' | 'admin';
const WHO: Who[] = ['owner', 'member', 'other', 'admin'];

/** Who may see an item of this distribution owned by the owner's organisation. */
function sees(who: Who, d: number): boolean {
  if (who === 'owner' || who === 'admin') return true;
  if (d === 0) return false;
  if (d === 4) return who === 'member';
  return true;
}

forEachDialect('REST API: the access matrix', (fixture) => {
  let i: Instance;
  const keys = {} as Record<Who, string>;
  const viewerEvent = {} as Record<Who, string>;

  before(async () => {
    const store = await fixture.open();
    i = await serve(store);
    const org = await addOrganisation(store, 'Org M');
    const made = await addUser(store, 'mia@m.test', org.id, 'User');
    assert.ok(made.ok);
    Object.assign(keys, { owner: i.alice, member: await addApiKey(store, made.user.id), other: i.bob, admin: i.admin });

    const sg = await call(i, i.admin, 'POST', '/sharing_groups/add', { name: 'Leak test group' });
    await call(i, i.admin, 'POST', '/sharing_groups/addOrg', { sg_id: sg.body.SharingGroup.id, org_id: org.id });
    await call(i, i.admin, 'POST', '/sharing_groups/addOrg', { sg_id: sg.body.SharingGroup.id, org_id: 'Org A' });
    const sgId = sg.body.SharingGroup.id;
    const group = (d: number) => (d === 4 ? { sharing_group_id: sgId } : {});

    await makeTags(i, LEVELS.flatMap((d) => [`leak:d${d}`, `leak:attr${d}`]));
    for (const d of LEVELS) {
      const res = await call(i, i.alice, 'POST', '/events/add', { Event: { uuid: eventUuid(d), info: `Level ${d}`, distribution: d, ...group(d),
        Tag: [{ name: `leak:d${d}` }],
        Note: [{ uuid: noteUuid(d), note: `note on level ${d}`, distribution: 3 }],
        Attribute: [{ uuid: attrUuid(d), type: 'domain', value: own(d), Tag: [{ name: `leak:attr${d}` }],
          Opinion: [{ uuid: opinionUuid(d), opinion: 50, comment: `opinion on level ${d}`, distribution: 3 }] }, { type: 'domain', value: SHARED }],
        Object: [{ uuid: objectUuid(d), name: 'domain-ip', distribution: 5, Attribute: [{ object_relation: 'domain', type: 'domain', value: `obj${d}.leak.example` }] }],
        EventReport: [{ name: `Report ${d}`, content: 'secret analysis', distribution: 5 }] } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal((await call(i, i.alice, 'POST', `/sightings/add/${attrUuid(d)}`)).status, 200);
    }
    const mixed = await call(i, i.alice, 'POST', '/events/add', { Event: { uuid: MIXED, info: 'Mixed levels', distribution: 3,
      Attribute: LEVELS.map((d) => ({ uuid: mixedAttr(d), type: 'domain', value: `mixed-${d}.leak.example`, distribution: d, ...group(d) })),
      Note: LEVELS.map((d) => ({ uuid: mixedNote(d), note: `mixed note ${d}`, distribution: d, ...group(d) })),
      EventReport: LEVELS.map((d) => ({ uuid: mixedReport(d), name: `Mixed report ${d}`, content: `mixed secret ${d}`, distribution: d, ...group(d) })) } });
    assert.equal(mixed.status, 200, JSON.stringify(mixed.body));
    // Each viewer has an event of his own holding the shared value, to see what it correlates with.
    for (const who of WHO) {
      const r = await call(i, keys[who], 'POST', '/events/add', { Event: { info: `Mine (${who})`, distribution: 0, Attribute: [{ type: 'domain', value: SHARED }] } });
      viewerEvent[who] = r.body.Event.uuid;
    }
  });
  after(async () => {
    await i.app.close();
    await fixture.cleanup();
  });

  const visibleLevels = (who: Who) => LEVELS.filter((d) => sees(who, d));

  it('events/index and events/view show each event to exactly those who may see it', async () => {
    for (const who of WHO) {
      const index = (await call(i, keys[who], 'GET', '/events/index')).body as Array<{ uuid: string }>;
      const levels = index.map((e) => e.uuid).filter((u) => LEVELS.some((d) => eventUuid(d) === u));
      assert.deepEqual(levels.sort(), visibleLevels(who).map(eventUuid).sort(), `index for ${who}`);
      for (const d of LEVELS) {
        const view = await call(i, keys[who], 'GET', `/events/view/${eventUuid(d)}`);
        assert.equal(view.status, sees(who, d) ? 200 : 404, `view of level ${d} for ${who}`);
      }
    }
  });

  it('searches and exports find values only in what the viewer may see', async () => {
    for (const who of WHO) {
      const values = ((await call(i, keys[who], 'POST', '/attributes/restSearch', { value: '%.leak.example' })).body.response.Attribute as Array<{ value: string }>)
        .map((a) => a.value);
      for (const d of LEVELS) {
        assert.equal(values.includes(own(d)), sees(who, d), `attributes/restSearch: ${own(d)} for ${who}`);
        assert.equal(values.includes(`obj${d}.leak.example`), sees(who, d), `object attribute of level ${d} for ${who}`);
        assert.equal(values.includes(`mixed-${d}.leak.example`), sees(who, d), `attribute at level ${d} in a shared event for ${who}`);
      }
      const events = ((await call(i, keys[who], 'POST', '/events/restSearch', { value: own(0) })).body.response as unknown[]).length;
      assert.equal(events, sees(who, 0) ? 1 : 0, `events/restSearch for ${who}`);
      const csv = await fetch(`${i.base}/attributes/restSearch`, { method: 'POST', headers: { Authorization: keys[who], 'Content-Type': 'application/json' },
        body: JSON.stringify({ returnFormat: 'csv', value: '%.leak.example' }) });
      const text = await csv.text();
      for (const d of LEVELS) assert.equal(text.includes(`"${own(d)}"`), sees(who, d), `CSV export: ${own(d)} for ${who}`);
      const index = ((await call(i, keys[who], 'POST', '/events/index', { attribute: own(4) })).body as unknown[]).length;
      assert.equal(index, sees(who, 4) ? 1 : 0, `events/index by attribute value for ${who}`);
    }
  });

  it('single attributes, objects and sightings answer 404 to those who may not see them', async () => {
    for (const who of WHO) {
      for (const d of LEVELS) {
        assert.equal((await call(i, keys[who], 'GET', `/attributes/view/${attrUuid(d)}`)).status, sees(who, d) ? 200 : 404, `attribute ${d} for ${who}`);
        assert.equal((await call(i, keys[who], 'GET', `/attributes/view/${mixedAttr(d)}`)).status, sees(who, d) ? 200 : 404, `mixed attribute ${d} for ${who}`);
        assert.equal((await call(i, keys[who], 'GET', `/objects/view/${objectUuid(d)}`)).status, sees(who, d) ? 200 : 404, `object ${d} for ${who}`);
        const sightings = await call(i, keys[who], 'POST', `/sightings/listSightings/${attrUuid(d)}/attribute`);
        assert.equal(sightings.status, sees(who, d) ? 200 : 404, `sightings of ${d} for ${who}`);
      }
    }
  });

  it('counts only what the viewer may see: tags, attribute counts, reports', async () => {
    for (const who of WHO) {
      const tags = Object.fromEntries(((await call(i, keys[who], 'GET', '/tags/index?searchall=leak:')).body.Tag as Array<{ name: string; count: number; attribute_count: number }>)
        .map((t) => [t.name, [t.count, t.attribute_count]]));
      for (const d of LEVELS) {
        assert.deepEqual(tags[`leak:d${d}`], [sees(who, d) ? 1 : 0, 0], `event tag count of level ${d} for ${who}`);
        assert.deepEqual(tags[`leak:attr${d}`], [0, sees(who, d) ? 1 : 0], `attribute tag count of level ${d} for ${who}`);
      }
      const mixed = ((await call(i, keys[who], 'GET', '/events/index?eventinfo=Mixed')).body as Array<{ attribute_count: string }>)[0]!;
      assert.equal(Number(mixed.attribute_count), visibleLevels(who).length, `attribute_count of the mixed event for ${who}`);
      for (const d of LEVELS.filter((x) => sees(who, x))) {
        const reports = (await call(i, keys[who], 'GET', `/events/view/${eventUuid(d)}`)).body.Event.EventReport as unknown[];
        assert.equal(reports.length, 1);
      }
    }
  });

  it('related events name only events the viewer may see, in views and in includeCorrelations', async () => {
    for (const who of WHO) {
      const related = ((await call(i, keys[who], 'GET', `/events/view/${viewerEvent[who]}`)).body.Event.RelatedEvent as Array<{ Event: { uuid: string } }>)
        .map((r) => r.Event.uuid).filter((u) => u.startsWith('ee000000'));
      assert.deepEqual(related.sort(), visibleLevels(who).map(eventUuid).sort(), `related events of ${who}'s own event`);
      const withCorrelations = (await call(i, keys[who], 'POST', '/attributes/restSearch', { uuid: viewerEvent[who], includeCorrelations: 1 })).body.response.Attribute;
      const linked = (withCorrelations[0].RelatedAttribute as Array<{ event_id: string }>).length;
      // The site admin also sees the other viewers' own organisation-only events holding the value.
      const others = who === 'admin' ? WHO.length - 1 : 0;
      assert.equal(linked, visibleLevels(who).length + others, `RelatedAttribute of ${who}'s shared value`);
    }
  });

  it('event reports are shown, listed and exported to exactly those who may see them and their event', async () => {
    for (const who of WHO) {
      const index = ((await call(i, keys[who], 'GET', '/eventReports/index')).body as Array<{ EventReport: { uuid: string; name: string } }>).map((r) => r.EventReport.name);
      const mixedView = (await call(i, keys[who], 'GET', `/events/view/${MIXED}`)).body.Event;
      const inView = ((mixedView.EventReport ?? []) as Array<{ uuid: string }>).map((r) => r.uuid);
      const exported = ((await call(i, keys[who], 'POST', '/events/restSearch', { eventid: mixedView.id })).body.response as Array<{ Event: { EventReport?: Array<{ uuid: string }> } }>)
        .flatMap((e) => (e.Event.EventReport ?? []).map((r) => r.uuid));
      for (const d of LEVELS) {
        assert.equal(index.includes(`Report ${d}`), sees(who, d), `eventReports/index: the report of level ${d}'s event for ${who}`);
        assert.equal(index.includes(`Mixed report ${d}`), sees(who, d), `eventReports/index: the report at level ${d} for ${who}`);
        const view = await call(i, keys[who], 'GET', `/eventReports/view/${mixedReport(d)}`);
        assert.equal(view.status, sees(who, d) ? 200 : 404, `eventReports/view of the report at level ${d} for ${who}`);
        if (view.status !== 200) assert.ok(!JSON.stringify(view.body).includes(`mixed secret ${d}`));
        assert.equal(inView.includes(mixedReport(d)), sees(who, d), `events/view: the report at level ${d} for ${who}`);
        assert.equal(exported.includes(mixedReport(d)), sees(who, d), `events/restSearch: the report at level ${d} for ${who}`);
      }
    }
  });

  it('notes and opinions are shown, listed and exported to exactly those who may see them and what they are about', async () => {
    for (const who of WHO) {
      const notes = ((await call(i, keys[who], 'GET', '/analyst_data/index/Note')).body as Array<{ Note: { uuid: string } }>).map((n) => n.Note.uuid);
      const opinions = ((await call(i, keys[who], 'GET', '/analyst_data/index/Opinion')).body as Array<{ Opinion: { uuid: string } }>).map((n) => n.Opinion.uuid);
      const mixedView = (await call(i, keys[who], 'GET', `/events/view/${MIXED}`)).body.Event;
      const inMixed = ((mixedView.Note ?? []) as Array<{ uuid: string }>).map((n) => n.uuid);
      const search = await call(i, keys[who], 'POST', '/events/restSearch', { value: '%.leak.example', includeAnalystData: 1 });
      const exportedText = JSON.stringify(search.body);
      for (const d of LEVELS) {
        for (const [uuid, list, what] of [[noteUuid(d), notes, 'Note'], [opinionUuid(d), opinions, 'Opinion'], [mixedNote(d), notes, 'Note']] as const) {
          const where = `${what} ${uuid} (level ${d}) for ${who}`;
          assert.equal(list.includes(uuid), sees(who, d), `analyst_data/index: ${where}`);
          for (const address of [`/analyst_data/view/${what}/${uuid}`, `/analyst_data/view/all/${uuid}`]) {
            assert.equal((await call(i, keys[who], 'GET', address)).status, sees(who, d) ? 200 : 404, `${address}: ${where}`);
          }
          assert.equal(exportedText.includes(uuid), sees(who, d), `events/restSearch with includeAnalystData: ${where}`);
        }
        assert.equal(inMixed.includes(mixedNote(d)), sees(who, d), `events/view: the note at level ${d} for ${who}`);
        const view = await call(i, keys[who], 'GET', `/events/view/${eventUuid(d)}`);
        if (view.status === 200) {
          assert.deepEqual(view.body.Event.Note.map((n: { uuid: string }) => n.uuid), [noteUuid(d)]);
          assert.equal(view.body.Event.Attribute.find((a: { uuid: string }) => a.uuid === attrUuid(d)).Opinion[0].uuid, opinionUuid(d));
        }
        for (const text of [`note on level ${d}`, `opinion on level ${d}`, `mixed note ${d}`]) {
          assert.equal(exportedText.includes(text), sees(who, d), `events/restSearch text "${text}" for ${who}`);
        }
      }
    }
  });

  it('sharing groups are listed to their members only', async () => {
    for (const who of WHO) {
      const groups = (await call(i, keys[who], 'GET', '/sharing_groups')).body.response as unknown[];
      assert.equal(groups.length, who === 'other' ? 0 : 1, `sharing groups for ${who}`);
    }
  });
});
