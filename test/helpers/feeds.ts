import assert from 'node:assert/strict';
import { call, type Instance } from './api.js';

type Json = Record<string, unknown>;

/** Lets the instance fetch feeds from loopback, where the tests serve them (feeds.allow_private_networks). */
export async function allowLoopbackFeeds(i: Instance): Promise<void> {
  const r = await call(i, i.admin, 'POST', '/servers/serverSettingsEdit/feeds.allow_private_networks', { value: true });
  assert.equal(r.status, 200, JSON.stringify(r.body));
}

/** Adds a feed as the site admin (provider `test` unless given); answers its id. */
export async function addFeed(i: Instance, fields: Json): Promise<string> {
  const r = await call(i, i.admin, 'POST', '/feeds/add', { Feed: { provider: 'test', ...fields } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return String((r.body as { Feed: { id: unknown } }).Feed.id);
}
