import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { Ajv, type ValidateFunction } from 'ajv';
import type { EventAbilities as PolicyEventAbilities, UserAbilities as PolicyUserAbilities } from '../../src/access/policy/abilities.js';
import type {
  Annotations, AttributeSaved, AttributeSearch, CorrelationGraph, EventAbilities, EventView, FeedEntry, FeedFetched, ImportPlan, ServerSaved, Session,
  UserAbilities, Warninglists,
} from '../../src/api/schemas/answers.js';
import { readLibraries } from '../../src/libraries/directory.js';
import type { Store } from '../../src/store/db/database.js';
import { saveLibraries } from '../../src/store/libraries/load.js';
import { findUser, setPassword } from '../../src/store/access/users.js';
import { call, serve, type Instance } from '../helpers/api.js';
import { serveFolder } from '../helpers/feed-server.js';
import { fixturePath } from '../helpers/shared-data.js';
import { forEachDialect } from '../helpers/stores.js';

// The policy decides the abilities and the schemas publish them: the compiler keeps the two the same.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const abilitiesAgree: [Same<UserAbilities, PolicyUserAbilities>, Same<EventAbilities, PolicyEventAbilities>] = [true, true];

const PASSWORD = 'a long enough password';
const EVENT = 'ab000000-0000-4000-8000-0000000a0001';
const OTHER = 'ab000000-0000-4000-8000-0000000a0002';

/** One request of the client, and the route (as /openapi.json names it) whose published answer it must fit. */
interface Case {
  route: string;
  path: string;
  key?: string | null;
  body?: unknown;
}

forEachDialect('REST API: answers fit the schemas /openapi.json publishes', (fixture) => {
  let i: Instance;
  let store: Store;
  let session: { cookie: string; csrf: string };
  let eventId: string;
  let attributeId: string;
  let spec: { paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, { schema?: object }> }> }>> };
  const ajv = new Ajv({ strict: false, allErrors: true });
  const validators = new Map<string, ValidateFunction>();

  /** A request as the web client sends it: the session cookie and its CSRF token. */
  const browser = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${i.base}${path}`, {
      method,
      headers: {
        Accept: 'application/json', Cookie: session.cookie, 'X-CSRF-Token': session.csrf,
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
  };

  /** The published answer schema of a route, compiled once. */
  const validatorOf = (route: string) => {
    const [method, path] = route.split(' ') as [string, string];
    const schema = spec.paths[path]?.[method.toLowerCase()]?.responses?.['200']?.content?.['application/json']?.schema;
    assert.ok(schema, `${route} publishes its answer`);
    if (!validators.has(route)) validators.set(route, ajv.compile(schema));
    return validators.get(route)!;
  };

  const covered = new Set<string>();
  /** Sends the request and checks the answer against its route's published schema. */
  const fits = async <T = unknown>(c: Case): Promise<T> => {
    const method = c.route.split(' ')[0]!;
    const res = c.key === undefined ? await browser(method, c.path, c.body) : await call(i, c.key, method, c.path, c.body);
    assert.equal(res.status, 200, `${method} ${c.path}: ${JSON.stringify(res.body)}`);
    const validate = validatorOf(c.route);
    assert.ok(validate(res.body), `${method} ${c.path} fits ${c.route}'s schema: ${ajv.errorsText(validate.errors)}`);
    if (Array.isArray(res.body)) assert.ok(res.body.length > 0, `${method} ${c.path} answers something to check`);
    covered.add(c.route);
    return res.body as T;
  };

  before(async () => {
    store = await fixture.open();
    await saveLibraries(store, readLibraries(fixturePath('misp')));
    i = await serve(store);
    await setPassword(store, (await findUser(store, 'alice@a.test'))!.id, PASSWORD);
    const login = await fetch(`${i.base}/auth/login`, {
      method: 'POST', headers: { Accept: 'application/json', 'Content-Type': 'application/json' }, body: JSON.stringify({ email: 'alice@a.test', password: PASSWORD }),
    });
    const body = await login.json() as { csrfToken: string };
    session = { cookie: (login.headers.get('set-cookie') ?? '').split(';')[0]!, csrf: body.csrfToken };
    spec = (await call(i, null, 'GET', '/openapi.json')).body;
  });
  after(async () => {
    await i.app.close();
    await fixture.cleanup();
  });

  it('keeps the published abilities and the policy\'s the same', () => {
    assert.deepEqual(abilitiesAgree, [true, true]);
  });

  it('answers the event pages as published: index, view, add, abilities, annotations, graph', async () => {
    const added = await fits<EventView>({ route: 'POST /events/add', path: '/events/add', body: { Event: {
      uuid: EVENT, info: 'Answers', distribution: 1, threat_level_id: 2, analysis: 1,
      Tag: [{ name: 'tlp:white' }, { name: 'misp-galaxy:threat-actor="Sofacy"' }, { name: 'misp-galaxy:unknown="Nobody"' }],
      Attribute: [
        { type: 'domain', value: 'shared.example', to_ids: true, Tag: [{ name: 'tlp:green' }] },
        { type: 'ip-dst', value: '10.0.0.1', comment: 'on rfc1918' },
        { type: 'no-such-type', value: 'left out' },
      ],
      Object: [{ name: 'domain-ip', 'meta-category': 'network', Attribute: [{ type: 'domain', object_relation: 'domain', value: 'in-object.example' }],
        ObjectReference: [] }],
      EventReport: [{ name: 'Report', content: 'Text.' }],
    } } });
    assert.ok((added.errors ?? []).length > 0, 'the answer names what it left out');
    eventId = added.Event.id;
    await fits({ route: 'POST /events', path: '/events', body: { Event: { uuid: OTHER, info: 'Related', distribution: 1, Attribute: [{ type: 'domain', value: 'shared.example' }] } } });
    const attribute = added.Event.Attribute.find((a) => a.value === 'shared.example')!;
    assert.equal((await call(i, i.bob, 'POST', '/sightings/add', { uuid: attribute.uuid })).status, 200);

    const view = await fits<EventView>({ route: 'GET /events/view/{id}', path: `/events/view/${eventId}` });
    assert.ok(view.Event.RelatedEvent.length > 0 && view.Event.Galaxy.length > 0 && view.Event.Object.length > 0, 'related events, galaxies and objects are checked');
    await fits({ route: 'GET /events/{id}', path: `/events/${EVENT}` });
    await fits({ route: 'POST /events/view/{id}', path: `/events/view/${EVENT}`, body: { deleted: true } });
    await fits({ route: 'POST /events/index', path: '/events/index', body: {} });
    await fits({ route: 'POST /events/index', path: '/events/index', body: { minimal: true } });
    await fits({ route: 'GET /events/index', path: '/events/index?limit=5', key: i.alice });
    await fits({ route: 'GET /events', path: '/events', key: i.alice });
    await fits({ route: 'GET /cairn/events/{id}/abilities', path: `/cairn/events/${eventId}/abilities` });
    const notes = await fits<Annotations>({ route: 'GET /cairn/events/{id}/annotations', path: `/cairn/events/${eventId}/annotations` });
    assert.ok(notes.related.length > 0);
    const graph = await fits<CorrelationGraph>({ route: 'GET /cairn/events/{id}/graph', path: `/cairn/events/${eventId}/graph?depth=2&max=40` });
    assert.ok(graph.edges.length > 0);
    await fits({ route: 'GET /cairn/dashboard', path: '/cairn/dashboard' });
  });

  it('answers attribute searches and changes as published', async () => {
    const one = await fits<AttributeSaved>({ route: 'POST /attributes/add/{event}', path: `/attributes/add/${eventId}`, body: { type: 'url', value: 'https://a.example/x' } });
    attributeId = Array.isArray(one.Attribute) ? one.Attribute[0]!.id : one.Attribute.id;
    await fits({ route: 'POST /attributes/add/{event}', path: `/attributes/add/${eventId}`, body: [{ type: 'url', value: 'https://b.example/y' }, { type: 'nope', value: 'x' }] });
    await fits({ route: 'POST /attributes/edit/{id}', path: `/attributes/edit/${attributeId}`, body: { comment: 'changed' } });
    await fits({ route: 'PUT /attributes/edit/{id}', path: `/attributes/edit/${attributeId}`, body: { to_ids: true } });
    const found = await fits<AttributeSearch>({ route: 'POST /attributes/restSearch', path: '/attributes/restSearch', body: { value: 'shared.example', includeEventUuid: true, includeCorrelations: true } });
    assert.ok(found.response.Attribute.length > 0);
    await fits({ route: 'GET /attributes/restSearch', path: '/attributes/restSearch?value=shared.example', key: i.alice });
    await fits({ route: 'GET /attributes/describeTypes.json', path: '/attributes/describeTypes.json' });
    await fits({ route: 'GET /attributes/describeTypes', path: '/attributes/describeTypes' });
    await fits({ route: 'POST /events/freeTextImport/{event}', path: `/events/freeTextImport/${eventId}`, body: { value: 'hxxp://evil[.]example/x 198.51.100.9', returnMetaAttributes: true } });
    await fits({ route: 'POST /events/freeTextImport/{event}', path: `/events/freeTextImport/${eventId}/disable_background_processing:1`, body: { value: '198.51.100.9' } });
  });

  it('answers proposals (shadow attributes) as published, in both spellings', async () => {
    for (const base of ['/shadow_attributes', '/shadowAttributes']) {
      const added = await fits<{ ShadowAttribute: { id: string } }>({ route: `POST ${base}/add/{event}`, path: `${base}/add/${eventId}`, key: i.alice, body: { type: 'domain', value: `proposed${base.length}.example` } });
      const changed = await fits<{ ShadowAttribute: { id: string } }>({ route: `POST ${base}/edit/{attribute}`, path: `${base}/edit/${attributeId}`, key: i.alice, body: { comment: 'proposed' } });
      await fits({ route: `POST ${base}/delete/{attribute}`, path: `${base}/delete/${attributeId}`, key: i.alice });
      await fits({ route: `GET ${base}/view/{id}`, path: `${base}/view/${added.ShadowAttribute.id}`, key: i.alice });
      await fits({ route: `GET ${base}/index`, path: `${base}/index`, key: i.alice });
      await fits({ route: `GET ${base}/index/{event}`, path: `${base}/index/${eventId}`, key: i.alice });
      await fits({ route: `POST ${base}/accept/{id}`, path: `${base}/accept/${added.ShadowAttribute.id}`, key: i.alice });
      await fits({ route: `POST ${base}/discard/{id}`, path: `${base}/discard/${changed.ShadowAttribute.id}`, key: i.alice });
    }
  });

  it('answers the import page as published', async () => {
    const doc = { response: [{ Event: { uuid: 'ab000000-0000-4000-8000-0000000a0003', info: 'Imported', Attribute: [{ type: 'domain', value: 'imp.example' }] } }, 'not an event'] };
    await fits({ route: 'POST /cairn/import/preview', path: '/cairn/import/preview', body: doc });
    await fits({ route: 'POST /cairn/import', path: '/cairn/import', body: doc });
    const bundle = JSON.parse(readFileSync(fixturePath('stix', 'fixture-report.json'), 'utf8')) as unknown;
    const stix = await fits<ImportPlan>({ route: 'POST /cairn/import/preview', path: '/cairn/import/preview', body: bundle });
    assert.equal(stix.format, 'stix2');
  });

  it('answers the administration pages and libraries as published', async () => {
    const admin = i.admin;
    assert.equal((await call(i, admin, 'POST', '/sharing_groups/add', { name: 'Answers group', releasability: 'us' })).status, 200);
    assert.equal((await call(i, admin, 'POST', '/correlation_exclusions/add', { value: '%.internal', comment: 'ours' })).status, 200);
    for (const base of ['/auth_keys', '/authKeys']) {
      await fits({ route: `POST ${base}/add/{id}`, path: `${base}/add/me`, body: { comment: 'a key' } });
      await fits({ route: `GET ${base}/index`, path: `${base}/index` });
      await fits({ route: `GET ${base}/index`, path: `${base}/index`, key: admin });
    }
    await fits({ route: 'GET /servers/serverSettings', path: '/servers/serverSettings', key: admin });
    await fits({ route: 'GET /servers/getSetting/{name}', path: '/servers/getSetting/MISP.correlation_limit', key: admin });
    await fits({ route: 'GET /admin/users/index', path: '/admin/users/index', key: admin });
    await fits({ route: 'GET /roles', path: '/roles' });
    await fits({ route: 'GET /roles/index', path: '/roles/index', key: admin });
    await fits({ route: 'GET /organisations', path: '/organisations', key: admin });
    await fits({ route: 'GET /organisations/index', path: '/organisations/index', key: admin });
    await fits({ route: 'GET /organisations/index', path: '/organisations/index/scope:all' });
    for (const base of ['/sharing_groups', '/sharingGroups']) {
      await fits({ route: `GET ${base}`, path: base, key: admin });
      await fits({ route: `GET ${base}/index`, path: `${base}/index`, key: admin });
    }
    await fits({ route: 'GET /correlation_exclusions/index', path: '/correlation_exclusions/index', key: admin });
    await fits({ route: 'GET /correlation_exclusions', path: '/correlation_exclusions', key: admin });
    const lists = await fits<Warninglists>({ route: 'GET /warninglists', path: '/warninglists' });
    assert.ok(lists.Warninglists.length > 0);
    await fits({ route: 'GET /warninglists/index', path: '/warninglists/index', key: admin });
    await fits({ route: 'GET /admin/audit_logs/index', path: '/admin/audit_logs/index', key: admin });
    await fits({ route: 'POST /admin/audit_logs/index', path: '/admin/audit_logs/index', key: admin, body: { limit: 50, page: 1 } });
    await fits({ route: 'GET /taxonomies', path: '/taxonomies' });
    await fits({ route: 'GET /taxonomies/index', path: '/taxonomies/index', key: admin });
    await fits({ route: 'GET /objectTemplates', path: '/objectTemplates' });
    await fits({ route: 'GET /objectTemplates/index', path: '/objectTemplates/index', key: admin });
    await fits({ route: 'GET /objectTemplates/view/{id}', path: '/objectTemplates/view/domain-ip' });
  });

  it('answers the session routes as published', async () => {
    await fits({ route: 'GET /auth/session', path: '/auth/session' });
    const login = await fits<Session>({ route: 'POST /auth/login', path: '/auth/login', key: null, body: { email: 'alice@a.test', password: PASSWORD } });
    assert.equal(typeof login.csrfToken, 'string');
    await fits({ route: 'POST /auth/password', path: '/auth/password', body: { current: PASSWORD, password: PASSWORD } });
  });

  it('answers event delegations as published', async () => {
    const admin = i.admin;
    assert.equal((await call(i, admin, 'POST', '/servers/serverSettingsEdit/MISP.delegation', { value: true })).status, 200);
    const event = (await call(i, admin, 'POST', '/events/add', { Event: { info: 'Delegated', distribution: 0 } })).body.Event as { id: string };
    const orgB = (await call(i, admin, 'GET', '/organisations/view/Org B')).body.Organisation.id as string;
    const made = await fits<{ EventDelegation: { id: string } }>({ route: 'POST /eventDelegations/delegateEvent/{id}',
      path: `/eventDelegations/delegateEvent/${event.id}`, key: admin, body: { org_id: orgB, message: 'for you' } });
    await fits({ route: 'GET /eventDelegations', path: '/eventDelegations', key: i.bob });
    await fits({ route: 'GET /eventDelegations/index', path: '/eventDelegations/index?context=issued', key: admin });
    await fits({ route: 'POST /eventDelegations/index', path: '/eventDelegations/index', key: i.bob, body: { context: 'pending' } });
    await fits({ route: 'GET /eventDelegations/view/{id}', path: `/eventDelegations/view/${made.EventDelegation.id}`, key: i.bob });
  });

  it('answers the feed and server administration as published, and feed hits on events/view', async () => {
    const admin = i.admin;
    const root = mkdtempSync(join(tmpdir(), 'cairn-answers-feeds-'));
    writeFileSync(join(root, 'a.txt'), 'shared.example\n192.0.2.77\n');
    writeFileSync(join(root, 'b.txt'), 'shared.example\n');
    const host = await serveFolder(root);
    try {
      assert.equal((await call(i, admin, 'POST', '/servers/serverSettingsEdit/feeds.allow_private_networks', { value: true })).status, 200);
      const feed = (name: string) => ({ Feed: { name, provider: 'answers', source_format: 'freetext', url: `${host.base}/${name}.txt`, enabled: true, caching_enabled: true } });
      const a = await fits<FeedEntry>({ route: 'POST /feeds/add', path: '/feeds/add', key: admin, body: feed('a') });
      const b = await fits<FeedEntry>({ route: 'POST /feeds/add', path: '/feeds/add', key: admin, body: feed('b') });
      await fits({ route: 'POST /feeds/edit/{id}', path: `/feeds/edit/${a.Feed.id}`, key: admin, body: { Feed: { provider: 'changed' } } });
      await fits({ route: 'PUT /feeds/edit/{id}', path: `/feeds/edit/${a.Feed.id}`, key: admin, body: { Feed: { interval_minutes: 60 } } });
      const fetched = await fits<FeedFetched>({ route: 'GET /feeds/fetchFromFeed/{id}', path: `/feeds/fetchFromFeed/${a.Feed.id}`, key: admin });
      assert.equal(fetched.run?.outcome, 'done', fetched.result);
      for (const id of [a.Feed.id, b.Feed.id]) assert.equal((await call(i, admin, 'GET', `/feeds/cacheFeeds/${id}`)).status, 200);
      // Caching runs in the background: the views say when it is done.
      for (let n = 0; n < 400; n++) {
        const views = await Promise.all([a, b].map(async (f) => (await call(i, admin, 'GET', `/feeds/view/${f.Feed.id}`)).body as FeedEntry));
        if (views.every((v) => v.Feed.cache_timestamp !== false)) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      await fits({ route: 'GET /feeds/runs/{id}', path: `/feeds/runs/${a.Feed.id}`, key: admin });
      await fits({ route: 'GET /feeds/view/{id}', path: `/feeds/view/${a.Feed.id}`, key: admin });
      await fits({ route: 'GET /feeds/index', path: '/feeds/index', key: admin });
      await fits({ route: 'GET /feeds/previewIndex/{id}', path: `/feeds/previewIndex/${a.Feed.id}`, key: admin });
      await fits({ route: 'POST /feeds/previewIndex/{id}', path: `/feeds/previewIndex/${b.Feed.id}`, key: admin });
      await fits({ route: 'GET /feeds/searchCaches', path: '/feeds/searchCaches?value=shared.example', key: admin });
      await fits({ route: 'GET /feeds/compareFeeds', path: '/feeds/compareFeeds', key: admin });
      const view = await fits<EventView>({ route: 'GET /events/view/{id}', path: `/events/view/${eventId}/includeFeedCorrelations:1`, key: admin });
      assert.deepEqual(view.Event.Attribute.find((x) => x.value === 'shared.example')?.Feed?.map((f) => f.name).sort(), ['a', 'b']);
    } finally {
      await host.close();
      rmSync(root, { recursive: true, force: true });
    }
    const remote = (await call(i, admin, 'GET', '/organisations/view/Org B')).body.Organisation.id as string;
    const added = await fits<ServerSaved>({ route: 'POST /servers/add', path: '/servers/add', key: admin,
      body: { Server: { name: 'Remote', url: 'https://remote.example', remote_org_id: remote, authkey: 'K'.repeat(40), pull: true } } });
    await fits({ route: 'POST /servers/edit/{id}', path: `/servers/edit/${added.Server.id}`, key: admin, body: { Server: { push: true } } });
    await fits({ route: 'PUT /servers/edit/{id}', path: `/servers/edit/${added.Server.id}`, key: admin, body: { Server: { name: 'Remote B' } } });
    await fits({ route: 'GET /servers/index', path: '/servers/index', key: admin });
  });

  it('checks every answer it publishes', () => {
    const published = Object.entries(spec.paths).flatMap(([path, ops]) => Object.entries(ops)
      .filter(([, op]) => op.responses?.['200']?.content?.['application/json']?.schema)
      .map(([method]) => `${method.toUpperCase()} ${path}`));
    assert.deepEqual(published.filter((r) => !covered.has(r)).sort(), [], 'each published answer is checked here');
  });
});
