import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { call, serve, type Instance } from '../helpers/api.js';
import { forEachDialect } from '../helpers/stores.js';

forEachDialect('REST API: OpenAPI description and docs page', (fixture) => {
  let i: Instance;
  before(async () => {
    i = await serve(await fixture.open());
  });
  after(async () => {
    await i.app.close();
    await fixture.cleanup();
  });

  it('describes every route, with a summary each, at /openapi.json', async () => {
    const spec = (await call(i, null, 'GET', '/openapi.json')).body;
    assert.equal(spec.openapi, '3.0.3');
    assert.equal(spec.components.securitySchemes.ApiKey.name, 'Authorization');
    const operations = Object.entries(spec.paths as Record<string, Record<string, { summary?: string; tags?: string[] }>>)
      .flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })));
    assert.ok(operations.length > 100, `${operations.length} operations`);
    const bare = operations.filter((o) => !o.op.summary).map((o) => o.route);
    assert.deepEqual(bare, [], 'every route has a summary');
    const add = spec.paths['/events/add'].post;
    assert.deepEqual(add.tags, ['Events']);
    assert.ok(add.requestBody.content['application/json'].schema.properties.info);
    assert.deepEqual(spec.paths['/events/view/{id}'].get.parameters.map((p: { name: string; in: string }) => [p.name, p.in]), [['id', 'path']]);
  });

  it('shows a readable page of it, with no script', async () => {
    const res = await fetch(`${i.base}/api-docs`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    const html = await res.text();
    assert.match(html, /<h2 id="Events">Events<\/h2>/);
    assert.match(html, /POST<\/span> <code>\/events\/add<\/code>/);
    assert.ok(!html.includes('<script'));
  });

  it('still answers bad input as MISP does: the schemas document, they do not validate', async () => {
    const res = await call(i, i.alice, 'POST', '/events/add', { Event: { info: 12, distribution: 'x' } });
    assert.equal(res.status, 200, 'a number as the title is taken as its text, as MISP takes it');
    assert.match(res.body.errors.join(), /distribution/, 'a distribution that is no number is named');
    const added = await call(i, i.alice, 'POST', `/attributes/add/${res.body.Event.id}`, [{ type: 'domain', value: 'x.example' }]);
    assert.equal(added.body.Attribute.value, 'x.example', 'a list body (no object) reaches the handler');
  });
});

forEachDialect('REST API: bodies checked by the schemas /openapi.json publishes', (fixture) => {
  let i: Instance;
  before(async () => {
    i = await serve(await fixture.open());
  });
  after(async () => {
    await i.app.close();
    await fixture.cleanup();
  });

  it('refuses a model body whose field has the wrong type with MISP\'s error shape, naming the field, bare or wrapped', async () => {
    for (const body of [{ email: 'x@a.test', disabled: 'maybe' }, { User: { email: 'x@a.test', disabled: 'maybe' } }]) {
      const res = await call(i, i.admin, 'POST', '/admin/users/add', body);
      assert.equal(res.status, 403);
      assert.equal(res.body.message, 'The user could not be saved.');
      assert.deepEqual(res.body.errors, { disabled: ['must be true or false (or 1 or 0)'] });
    }
    const nested = await call(i, i.alice, 'POST', '/events/add', { Event: { info: 'x', Attribute: 'not a list' } });
    assert.equal(nested.status, 403);
    assert.deepEqual(nested.body.errors, { Attribute: ['must be a list'] });
  });

  it('answers a filter body of the wrong type 400, naming the field', async () => {
    const res = await call(i, i.alice, 'POST', '/warninglists/toggleEnable', { id: { nested: true } });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.errors, { id: ['must be a string, a number or a list of them'] });
  });

  it('publishes the schema it validates with, and takes a bodiless POST', async () => {
    const spec = (await call(i, null, 'GET', '/openapi.json')).body;
    const user = spec.paths['/admin/users/add'].post.requestBody.content['application/json'].schema;
    assert.equal(user['x-model'], 'User');
    assert.ok(user.properties.disabled.anyOf.some((s: { type?: string }) => s.type === 'boolean'));
    assert.equal((await call(i, i.alice, 'POST', '/auth_keys/add/me')).status, 200);
  });
});
