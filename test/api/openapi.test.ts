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
    assert.equal(added.body.Attribute[0].value, 'x.example', 'a list body (no object) reaches the handler');
  });
});
