import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { addOrganisation } from '../../src/store/access/organisations.js';
import type { Store } from '../../src/store/db/database.js';
import { call, serve, type Instance } from '../helpers/api.js';
import { CERT_FR, MISPB_ORG, MISP_VIEW_PARAMS, fakeMisp, mispEvent, type FakeMisp } from '../helpers/fake-misp.js';
import { forEachDialect } from '../helpers/stores.js';

/**
 * Cairn pulling from and pushing to a fake MISP 2.5.1 that answers as ../shared/reference/misp-sync-wire.md
 * records MISP-B answering: the requests Cairn sends are checked against what MISP-A sent there.
 */
forEachDialect('Cairn syncing with MISP (fake MISP peer from the wire record)', (fixture) => {
  let cairn: Instance;
  let store: Store;
  let misp: FakeMisp;
  let serverId: number;

  before(async () => {
    store = await fixture.open();
    cairn = await serve(store);
    misp = await fakeMisp();
    await addOrganisation(store, MISPB_ORG.name, MISPB_ORG.uuid);
    const added = await call(cairn, cairn.admin, 'POST', '/servers/add', {
      Server: { name: 'MISP-B', url: misp.base, authkey: misp.key, remote_org_id: MISPB_ORG.uuid, pull: true, push: true, push_sightings: true },
    });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    serverId = Number(added.body.Server.id);
    for (let n = 1; n <= 3; n++) {
      const e = mispEvent(n, `ANSSI ${n}`, 3 * n);
      misp.events.set(String(e.Event.uuid), e);
    }
  });
  after(async () => {
    await misp.close();
    await cairn.app.close();
    await fixture.cleanup();
  });

  const sent = (from: number) => misp.log.slice(from);

  it("tests the connection as MISP-A does: getVersion, then the POST test gzip'd, answered status 1", async () => {
    const from = misp.log.length;
    const res = await call(cairn, cairn.admin, 'POST', `/servers/testConnection/${serverId}`);
    assert.equal(res.body.status, 1, JSON.stringify(res.body));
    assert.equal(res.body.version, '2.5.1');
    assert.equal(res.body.post, 1);
    assert.equal(res.body.uuid, '1781634d-8d8e-4bb6-b2b5-5bcecde02e01');
    assert.deepEqual(res.body.request_encoding, ['gzip']);
    const [version, post] = sent(from);
    assert.equal(`${version!.method} ${version!.path}`, 'GET /servers/getVersion');
    assert.equal(`${post!.method} ${post!.path}`, 'POST /servers/postTest');
    assert.equal(post!.headers['content-encoding'], 'gzip');
    for (const r of sent(from)) {
      assert.equal(r.headers.authorization, misp.key);
      assert.equal(r.headers.accept, 'application/json');
      assert.equal(r.headers['content-type'], 'application/json');
    }
  });

  it("pulls as MISP-A: getVersion, the minimal published index with If-None-Match \"\", each event with MISP's named parameters; stored locked and downgraded", async () => {
    const from = misp.log.length;
    const res = await call(cairn, cairn.admin, 'POST', `/servers/pull/${serverId}/full/wait:1`);
    assert.match(res.body.message, /^Pull completed\. 3 events pulled, 0 events could not be pulled/);
    const asked = sent(from);
    assert.equal(asked[0]!.path, '/servers/getVersion');
    assert.equal(asked[1]!.path, '/events/index');
    assert.deepEqual(JSON.parse(asked[1]!.body), { minimal: 1, published: 1 });
    assert.equal(asked[1]!.headers['if-none-match'], '""');
    const views = asked.filter((r) => r.path.startsWith('/events/view/'));
    assert.equal(views.length, 3);
    for (const v of views) assert.ok(v.path.endsWith(`/${MISP_VIEW_PARAMS}`), v.path);
    const uuid = [...misp.events.keys()][2]!;
    const e = (await call(cairn, cairn.admin, 'GET', `/events/view/${uuid}`)).body.Event;
    assert.equal(e.locked, true);
    assert.equal(e.distribution, '0');
    assert.equal(e.Orgc.uuid, CERT_FR.uuid);
    assert.equal(e.Attribute.length, 9);
    assert.deepEqual(e.Tag.map((t: { name: string }) => t.name), ['tlp:clear'], "MISP-B's local tag stays there");
    // Unchanged remote: the index answers 304 and nothing else is asked.
    const again = misp.log.length;
    await call(cairn, cairn.admin, 'POST', `/servers/pull/${serverId}/incremental/wait:1`);
    assert.deepEqual(sent(again).map((r) => `${r.method} ${r.path} ${r.status}`), ['GET /servers/getVersion 200', 'POST /events/index 304']);
  });

  it("pushes as MISP-A: filterEventIdsForPush, HEAD, events/add/metadata:1 gzip'd without Org or local ids; a 404 with Location turns into an edit", async () => {
    const event = await call(cairn, cairn.admin, 'POST', '/events/add', {
      Event: {
        info: 'Cairn to MISP', distribution: 3, published: true, Tag: [{ name: 'cairn:local', local: 1 }],
        Attribute: Array.from({ length: 20 }, (_, k) => ({ type: 'ip-dst', value: `203.0.113.${k}`, comment: 'seen scanning the perimeter' })),
      },
    });
    const uuid = event.body.Event.uuid as string;
    const from = misp.log.length;
    const res = await call(cairn, cairn.admin, 'POST', `/servers/push/${serverId}/full/wait:1`);
    assert.equal(res.body.message, 'Push complete. 1 events pushed, 0 events could not be pushed.', JSON.stringify(res.body));
    const paths = sent(from).map((r) => `${r.method} ${r.path}`);
    assert.deepEqual(paths.slice(0, 4), ['GET /servers/getVersion', 'POST /events/filterEventIdsForPush', `HEAD /events/view/${uuid}`, 'POST /events/add/metadata:1']);
    const offered = JSON.parse(sent(from)[1]!.body) as Array<{ Event: Record<string, unknown> }>;
    assert.deepEqual(offered.map((o) => Object.keys(o.Event)), offered.map(() => ['uuid', 'timestamp']));
    assert.ok(!offered.some((o) => misp.events.has(String(o.Event.uuid)) && o.Event.uuid !== uuid), 'the pulled events are offered and the remote says it holds them');
    const add = sent(from)[3]!;
    assert.equal(add.headers['content-encoding'], 'gzip');
    const body = JSON.parse(add.body) as { Event: Record<string, unknown> };
    for (const k of ['Org', 'org_id', 'orgc_id', 'id']) assert.equal(body.Event[k], undefined, k);
    assert.equal(body.Event.locked, true);
    assert.equal((body.Event.Orgc as { uuid: string }).uuid !== undefined, true);
    assert.ok(!JSON.stringify(body).includes('cairn:local'));
    assert.ok((body.Event.Attribute as Array<Record<string, unknown>>).every((a) => a.id === undefined));
    assert.equal(misp.events.get(uuid)!.Event.info, 'Cairn to MISP');

    // The remote's HEAD misses the event (MISP's stale cache); its add answers 404 with Location, and the push edits.
    misp.hiddenFromHead.add(uuid);
    await new Promise((r) => setTimeout(r, 1100)); // a new version needs a newer second
    const id = event.body.Event.id as string;
    await call(cairn, cairn.admin, 'POST', `/events/edit/${id}`, { Event: { info: 'Cairn to MISP, edited' } });
    await call(cairn, cairn.admin, 'POST', `/events/publish/${id}`);
    // The publish pushes in the background; wait for that run, then a full push finds nothing more to do.
    let run;
    for (let i = 0; i < 200 && !(run && run.status !== 'running'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      run = (await call(cairn, cairn.admin, 'GET', `/servers/runs/${serverId}`)).body.runs.find((r: { scope: string }) => r.scope === id);
    }
    assert.equal(run.status, 'ok', JSON.stringify(run));
    assert.equal(run.pushed, 1);
    const location = misp.log.filter((r) => r.path === '/events/add/metadata:1').pop()!;
    assert.equal(location.status, 404);
    const editPath = misp.log[misp.log.indexOf(location) + 1]!;
    assert.equal(`${editPath.method} ${editPath.path}`, `POST /events/edit/${String(misp.events.get(uuid)!.Event.id)}/metadata:1`);
    assert.equal(misp.events.get(uuid)!.Event.info, 'Cairn to MISP, edited');
  });
});
