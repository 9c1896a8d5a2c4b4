import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Store } from './db/database.js';
import { bytesToUuid } from './db/uuid.js';

/**
 * MISP's servers: the remote instances this one syncs with. The remote's API key is sealed with the
 * instance secret `server_authkey` (made with migration 035) and leaves this module only through
 * `serverAuthkey`, for the sync client calling that remote: no answer, listing or log carries it.
 */

/** MISP's per-server flags, under MISP's names. */
export const SERVER_FLAGS = [
  'push', 'pull', 'push_sightings', 'push_galaxy_clusters', 'pull_galaxy_clusters', 'push_analyst_data', 'pull_analyst_data',
  'publish_without_email', 'unpublish_event', 'self_signed', 'internal', 'skip_proxy', 'remove_missing_tags', 'caching_enabled',
] as const;

export type ServerFlag = (typeof SERVER_FLAGS)[number];

export interface ServerOrg {
  id: number;
  uuid: string;
  name: string;
  local: boolean;
}

export interface Server {
  id: number;
  name: string;
  /** The remote's base URL, without a trailing slash. */
  url: string;
  flags: Record<ServerFlag, boolean>;
  /** MISP's JSON texts, as given. */
  pullRules: string;
  pushRules: string;
  lastPulledId: number | null;
  lastPushedId: number | null;
  priority: number;
  /** Minutes between scheduled pulls and pushes (Cairn's, as MISP's cron jobs); 0: only when asked. */
  pullInterval: number;
  pushInterval: number;
  /** The local organisation that configured the link. */
  org: ServerOrg;
  /** The organisation the remote instance is. */
  remoteOrg: ServerOrg;
}

/** What an add or an edit sets; an edit leaves out what it does not change. */
export interface ServerFields {
  name?: string;
  url?: string;
  /** The remote's API key in clear; sealed before it is stored. */
  authkey?: string;
  orgId?: number;
  remoteOrgId?: number;
  flags?: Partial<Record<ServerFlag, boolean>>;
  pullRules?: string;
  pushRules?: string;
  lastPulledId?: number | null;
  lastPushedId?: number | null;
  pullInterval?: number;
  pushInterval?: number;
}

// The sealing key is made once with the store and never changes: read once per store.
const sealingKeys = new WeakMap<Store, Promise<Buffer>>();

function sealingKey(store: Store): Promise<Buffer> {
  let k = sealingKeys.get(store);
  if (!k) {
    k = store.db.selectFrom('instance_secret').select('value').where('name', '=', 'server_authkey').executeTakeFirstOrThrow().then((r) => r.value);
    k.catch(() => sealingKeys.delete(store));
    sealingKeys.set(store, k);
  }
  return k;
}

/** AES-256-GCM: a fresh 12-byte nonce, the 16-byte tag, then the ciphertext. */
async function seal(store: Store, text: string): Promise<Buffer> {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', await sealingKey(store), nonce);
  const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  return Buffer.concat([nonce, cipher.getAuthTag(), body]);
}

async function unseal(store: Store, sealed: Buffer): Promise<string> {
  const decipher = createDecipheriv('aes-256-gcm', await sealingKey(store), sealed.subarray(0, 12));
  decipher.setAuthTag(sealed.subarray(12, 28));
  return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8');
}

function serverQuery(store: Store) {
  return store.db.selectFrom('server')
    .innerJoin('organisation as org', 'org.id', 'server.org_id')
    .innerJoin('organisation as remote', 'remote.id', 'server.remote_org_id')
    .select(['server.id', 'server.name', 'server.url', 'server.pull_rules', 'server.push_rules', 'server.lastpulledid', 'server.lastpushedid', 'server.priority', 'server.pull_interval', 'server.push_interval',
      ...SERVER_FLAGS.map((f) => `server.${f}` as const),
      'org.id as org_id', 'org.uuid as org_uuid', 'org.name as org_name', 'org.local as org_local',
      'remote.id as remote_id', 'remote.uuid as remote_uuid', 'remote.name as remote_name', 'remote.local as remote_local']);
}

type ServerRow = Awaited<ReturnType<ReturnType<typeof serverQuery>['execute']>>[number];

function toServer(r: ServerRow): Server {
  return {
    id: r.id, name: r.name, url: r.url, pullRules: r.pull_rules, pushRules: r.push_rules,
    lastPulledId: r.lastpulledid, lastPushedId: r.lastpushedid, priority: r.priority, pullInterval: r.pull_interval, pushInterval: r.push_interval,
    flags: Object.fromEntries(SERVER_FLAGS.map((f) => [f, r[f] === 1])) as Record<ServerFlag, boolean>,
    org: { id: r.org_id, uuid: bytesToUuid(r.org_uuid), name: r.org_name, local: r.org_local === 1 },
    remoteOrg: { id: r.remote_id, uuid: bytesToUuid(r.remote_uuid), name: r.remote_name, local: r.remote_local === 1 },
  };
}

/** Every server, in MISP's order: by priority, then id. */
export async function listServers(store: Store): Promise<Server[]> {
  return (await serverQuery(store).orderBy('server.priority').orderBy('server.id').execute()).map(toServer);
}

export async function findServer(store: Store, id: number): Promise<Server | undefined> {
  const row = await serverQuery(store).where('server.id', '=', id).executeTakeFirst();
  return row ? toServer(row) : undefined;
}

const trimUrl = (url: string) => url.trim().replace(/\/+$/, '');

function flagColumns(flags: ServerFields['flags'] = {}): Partial<Record<ServerFlag, number>> {
  return Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined).map(([k, v]) => [k, v ? 1 : 0]));
}

/** Stores a new server, last in priority (as MISP numbers them); the caller has checked the fields. */
export async function addServer(store: Store, fields: Required<Pick<ServerFields, 'name' | 'url' | 'authkey' | 'orgId' | 'remoteOrgId' | 'pullRules' | 'pushRules'>> & ServerFields): Promise<Server> {
  const top = await store.db.selectFrom('server').select((eb) => eb.fn.max('priority').as('p')).executeTakeFirst();
  const inserted = await store.db.insertInto('server').values({
    name: fields.name, url: trimUrl(fields.url), authkey: await seal(store, fields.authkey), org_id: fields.orgId, remote_org_id: fields.remoteOrgId,
    pull_rules: fields.pullRules, push_rules: fields.pushRules, priority: Number(top?.p ?? 0) + 1, ...flagColumns(fields.flags),
    pull_interval: fields.pullInterval ?? 0, push_interval: fields.pushInterval ?? 0,
  }).returning('id').executeTakeFirstOrThrow();
  return (await findServer(store, inserted.id))!;
}

/** Changes what the fields name; an authkey given replaces the sealed one. */
export async function editServer(store: Store, id: number, fields: ServerFields): Promise<Server | undefined> {
  const set = {
    ...(fields.name !== undefined ? { name: fields.name } : {}),
    ...(fields.url !== undefined ? { url: trimUrl(fields.url) } : {}),
    ...(fields.authkey !== undefined ? { authkey: await seal(store, fields.authkey) } : {}),
    ...(fields.remoteOrgId !== undefined ? { remote_org_id: fields.remoteOrgId } : {}),
    ...(fields.pullRules !== undefined ? { pull_rules: fields.pullRules } : {}),
    ...(fields.pushRules !== undefined ? { push_rules: fields.pushRules } : {}),
    ...(fields.lastPulledId !== undefined ? { lastpulledid: fields.lastPulledId } : {}),
    ...(fields.lastPushedId !== undefined ? { lastpushedid: fields.lastPushedId } : {}),
    ...(fields.pullInterval !== undefined ? { pull_interval: fields.pullInterval } : {}),
    ...(fields.pushInterval !== undefined ? { push_interval: fields.pushInterval } : {}),
    ...flagColumns(fields.flags),
    // What the remote's index answered says nothing of another url, key or set of rules.
    ...(fields.url !== undefined || fields.pullRules !== undefined || fields.authkey !== undefined ? { index_etag: null } : {}),
  };
  if (Object.keys(set).length > 0) await store.db.updateTable('server').set(set).where('id', '=', id).execute();
  return findServer(store, id);
}

/** Removes a server and its place in sharing groups; answers whether there was one. */
export async function deleteServer(store: Store, id: number): Promise<boolean> {
  return store.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('sharing_group_server').where('server_id', '=', id).execute();
    await trx.deleteFrom('server_run').where('server_id', '=', id).execute();
    const done = await trx.deleteFrom('server').where('id', '=', id).executeTakeFirst();
    return Number(done.numDeletedRows) > 0;
  });
}

/** The remote's API key in clear, for the sync client's requests to that remote only. */
export async function serverAuthkey(store: Store, id: number): Promise<string | undefined> {
  const row = await store.db.selectFrom('server').select('authkey').where('id', '=', id).executeTakeFirst();
  return row ? unseal(store, row.authkey) : undefined;
}

/** The instance's own uuid (MISP's MISP.uuid), made with migration 035. */
export async function instanceUuid(store: Store): Promise<string> {
  const row = await store.db.selectFrom('setting').select('value').where('name', '=', 'instance.uuid').executeTakeFirstOrThrow();
  return row.value;
}
