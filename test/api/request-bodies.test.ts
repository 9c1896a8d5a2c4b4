import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { call, serve, type Instance } from '../helpers/api.js';
import { forEachDialect } from '../helpers/stores.js';

/** Bodies that cannot be stored as sent are refused whole, naming the field: nothing is half-written. */
forEachDialect('REST API: request bodies that are not clean text', (fixture) => {
  let i: Instance;
  before(async () => {
    i = await serve(await fixture.open());
  });
  after(async () => {
    await i.app.close();
    await fixture.cleanup();
  });

  const raw = async (path: string, bytes: Buffer) => {
    const res = await fetch(`${i.base}${path}`, { method: 'POST', headers: { Authorization: i.alice, Accept: 'application/json', 'Content-Type': 'application/json' }, body: bytes });
    return { status: res.status, body: (await res.json()) as { message: string } };
  };
  const events = async () => ((await call(i, i.alice, 'GET', '/events/index')).body as unknown[]).length;

  it('refuses bytes that are not UTF-8 with a 400 naming the field, instead of replacing them', async () => {
    const before = await events();
    const body = Buffer.concat([Buffer.from('{"Event":{"info":"caf'), Buffer.from([0xe9]), Buffer.from('","distribution":0}}')]);
    const answer = await raw('/events/add', body);
    assert.equal(answer.status, 400);
    assert.match(answer.body.message, /^Event\.info: the request body is not valid UTF-8/);
    assert.equal(await events(), before, 'nothing stored');
    const ok = await raw('/events/add', Buffer.from('{"Event":{"info":"café ✓","distribution":0}}'));
    assert.equal(ok.status, 200, 'UTF-8 as it should be is taken');
  });

  it('refuses NUL characters in titles, values and tag names with a 400 naming the field', async () => {
    const before = await events();
    const title = await call(i, i.alice, 'POST', '/events/add', { Event: { info: 'a\u0000b', distribution: 0 } });
    assert.equal(title.status, 400);
    assert.match(title.body.message, /^Event\.info: a NUL character/);
    const value = await call(i, i.alice, 'POST', '/events/add', { Event: { info: 'clean', distribution: 0, Attribute: [{ type: 'domain', value: 'a.example' }, { type: 'domain', value: 'b\u0000.example' }] } });
    assert.equal(value.status, 400);
    assert.match(value.body.message, /^Event\.Attribute\.1\.value: a NUL character/);
    assert.equal(await events(), before, 'nothing stored');
    const tag = await call(i, i.admin, 'POST', '/tags/add', { Tag: { name: 'bad\u0000tag' } });
    assert.equal(tag.status, 400);
    assert.match(tag.body.message, /^Tag\.name: a NUL character/);
    const escaped = await call(i, i.alice, 'POST', '/events/add', { Event: { info: 'a backslash then u0000: \\u0000', distribution: 0 } });
    assert.equal(escaped.status, 200, 'the six characters \\u0000 are text like any other');
    assert.equal(escaped.body.Event.info, 'a backslash then u0000: \\u0000');
  });
});
