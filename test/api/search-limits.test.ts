import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { call, makeTags, serve, type Instance } from '../helpers/api.js';
import { forEachDialect } from '../helpers/stores.js';

/** Filters the store could not search with are the client's error, named with their limit: never a 500. */
forEachDialect('restSearch: limits of a filter', (fixture) => {
  let i: Instance;
  before(async () => {
    i = await serve(await fixture.open());
    await makeTags(i, ['tlp:green']);
    const made = await call(i, i.alice, 'POST', '/events/add', { Event: { info: 'limits', distribution: 0, Tag: [{ name: 'tlp:green' }], Attribute: [{ type: 'domain', value: 'limits.example' }] } });
    assert.equal(made.status, 200);
  });
  after(async () => {
    await i.app.close();
    await fixture.cleanup();
  });

  it('refuses a % pattern over 10,000 characters with a 400 naming the filter and the limit', async () => {
    for (const path of ['/attributes/restSearch', '/events/restSearch']) {
      const long = await call(i, i.alice, 'POST', path, { value: `%${'a'.repeat(50_000)}` });
      assert.equal(long.status, 400, path);
      assert.match(long.body.message, /value takes patterns \(with %\) of at most 10000 characters, not 50001/);
    }
    const fits = await call(i, i.alice, 'POST', '/attributes/restSearch', { value: `%limits${'_'.repeat(0)}%` });
    assert.equal(fits.body.response.Attribute.length, 1);
    const exact = await call(i, i.alice, 'POST', '/attributes/restSearch', { value: 'x'.repeat(20_000) });
    assert.equal(exact.status, 200, 'a long value without % is an exact match, and no pattern');
  });

  it('refuses a list of 40,000 tags with a 400 naming the filter and the limit, and takes 200', async () => {
    const tags = Array.from({ length: 40_000 }, (_, n) => `tag:${n}`);
    for (const path of ['/attributes/restSearch', '/events/restSearch', '/events/index']) {
      const many = await call(i, i.alice, 'POST', path, { tags });
      assert.equal(many.status, 400, path);
      assert.match(many.body.message, /tags takes at most 200 values, not 40000/);
    }
    const most = await call(i, i.alice, 'POST', '/attributes/restSearch', { tags: [...tags.slice(0, 199), 'tlp:green'] });
    assert.equal(most.status, 200, JSON.stringify(most.body).slice(0, 300));
    assert.equal(most.body.response.Attribute.length, 1);
  });
});
