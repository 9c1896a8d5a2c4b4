import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildServer, type ServerOptions } from '../../src/api/server.js';
import type { Store } from '../../src/store/db/database.js';
import { addOrganisation } from '../../src/store/access/organisations.js';
import { addApiKey, addUser, bootstrapInstance } from '../../src/store/access/users.js';

export interface Instance {
  base: string;
  admin: string;
  /** Users of two other organisations. */
  alice: string;
  bob: string;
  app: FastifyInstance;
}

/** A server on a loopback port over the store, with a site admin and users of two other organisations. */
export async function serve(store: Store, options: ServerOptions = {}): Promise<Instance> {
  const boot = await bootstrapInstance(store);
  const key = async (email: string, org: string, role: string) => {
    const o = await addOrganisation(store, org);
    const made = await addUser(store, email, o.id, role);
    assert.ok(made.ok);
    return addApiKey(store, made.user.id);
  };
  const alice = await key('alice@a.test', 'Org A', 'User');
  const bob = await key('bob@b.test', 'Org B', 'User');
  const app = await buildServer(store, options);
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  return { base, admin: boot.admin!.key, alice, bob, app };
}

/** One request with a key (or none); the JSON answer parsed. */
export async function call(i: Instance, key: string | null, method: string, path: string, body?: unknown) {
  const res = await fetch(`${i.base}${path}`, {
    method,
    headers: { Accept: 'application/json', 'Content-Type': 'application/json', ...(key ? { Authorization: key } : {}) },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}


/**
 * Tags made by the site admin, for tests whose events merely carry them: as in MISP, naming a tag that
 * does not exist in an event makes it only for perm_tag_editor, which alice and bob ('User') lack.
 */
export async function makeTags(i: Instance, names: readonly string[]): Promise<void> {
  for (const name of names) {
    const made = await call(i, i.admin, 'POST', '/tags/add', { name });
    assert.equal(made.status, 200, `tag ${name}: ${JSON.stringify(made.body)}`);
  }
}
