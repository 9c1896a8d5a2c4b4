import { API_KEY, apiKeyHash, newApiKey, sameHash } from '../../access/api-keys.js';
import { hashPassword, newPassword } from '../../access/passwords.js';
import { DEFAULT_ROLES, type Permission } from '../../access/roles.js';
import type { Role, RoleLimits, User } from '../../access/user.js';
import { runPrecompiled, type Store } from '../db/database.js';
import { addOrganisation, listOrganisations, type Organisation } from './organisations.js';
import { bytesToUuid } from '../db/uuid.js';

export type { Role, RoleLimits, User } from '../../access/user.js';

const EMAIL = /^[^@\s]+@[^@\s]+$/;
const now = () => Math.floor(Date.now() / 1000);

// The key-hashing secret is made once with the store and never changes: read once per store.
const secrets = new WeakMap<Store, Promise<Buffer>>();

function secret(store: Store): Promise<Buffer> {
  let s = secrets.get(store);
  if (!s) {
    s = store.db.selectFrom('instance_secret').select('value').where('name', '=', 'api_key_hmac').executeTakeFirstOrThrow().then((r) => r.value);
    s.catch(() => secrets.delete(store));
    secrets.set(store, s);
  }
  return s;
}

export async function ensureDefaultRoles(store: Store): Promise<void> {
  for (const r of DEFAULT_ROLES) {
    await store.db.insertInto('role').values({ name: r.name, permissions: JSON.stringify(r.permissions) })
      .onConflict((oc) => oc.column('name').doNothing()).execute();
  }
}

export async function listRoles(store: Store): Promise<Role[]> {
  const rows = await store.db.selectFrom('role').selectAll().orderBy('id').execute();
  return rows.map((r) => ({
    id: r.id, name: r.name, permissions: JSON.parse(r.permissions) as Permission[],
    limits: { maxExecutionTime: r.max_execution_time, memoryLimit: r.memory_limit },
  }));
}

function userQuery(store: Store) {
  return store.db.selectFrom('user')
    .innerJoin('organisation', 'organisation.id', 'user.org_id')
    .innerJoin('role', 'role.id', 'user.role_id')
    .select(['user.id', 'user.email', 'user.disabled', 'user.created', 'organisation.id as org_id', 'organisation.uuid as org_uuid',
      'organisation.name as org_name', 'organisation.local as org_local', 'role.id as role_id', 'role.name as role_name', 'role.permissions',
      'user.last_pw_change', 'user.change_pw', 'user.autoalert', 'user.contactalert']);
}

type UserRow = Awaited<ReturnType<ReturnType<typeof userQuery>['execute']>>[number];

function toUser(r: UserRow): User {
  return {
    id: r.id, email: r.email, disabled: r.disabled === 1, created: r.created,
    org: { id: r.org_id, uuid: bytesToUuid(r.org_uuid), name: r.org_name, local: r.org_local === 1 },
    role: { id: r.role_id, name: r.role_name, permissions: JSON.parse(r.permissions) as Permission[] },
    account: { lastPwChange: Number(r.last_pw_change), changePw: r.change_pw === 1, autoalert: r.autoalert === 1, contactalert: r.contactalert === 1 },
  };
}

export async function listUsers(store: Store): Promise<User[]> {
  return (await userQuery(store).orderBy('user.id').execute()).map(toUser);
}

export async function findUser(store: Store, email: string): Promise<User | undefined> {
  const r = await userQuery(store).where('user.email', '=', email.toLowerCase()).executeTakeFirst();
  return r && toUser(r);
}

export type AddUserResult = { ok: true; user: User } | { ok: false; field: string; reason: string };

export async function addUser(store: Store, email: string, orgId: number, roleName: string): Promise<AddUserResult> {
  const address = email.trim().toLowerCase();
  if (!EMAIL.test(address)) return { ok: false, field: 'email', reason: `"${email}" is not an e-mail address` };
  if (await findUser(store, address)) return { ok: false, field: 'email', reason: `a user ${address} exists already` };
  const role = (await listRoles(store)).find((r) => r.name.toLowerCase() === roleName.toLowerCase());
  if (!role) return { ok: false, field: 'role', reason: `no role "${roleName}"; the roles are ${(await listRoles(store)).map((r) => r.name).join(', ')}` };
  await store.db.insertInto('user').values({ email: address, org_id: orgId, role_id: role.id, created: now() }).execute();
  return { ok: true, user: (await findUser(store, address))! };
}

/** Makes an API key for a user: the key itself is returned this once and never stored. */
export async function addApiKey(store: Store, userId: number, comment = '', key: string = newApiKey()): Promise<string> {
  if (!API_KEY.test(key)) throw new Error('an API key is 40 letters and digits');
  await store.db.insertInto('auth_key').values({
    user_id: userId, key_hash: apiKeyHash(await secret(store), key), key_start: key.slice(0, 4), key_end: key.slice(-4), comment, created: now(),
  }).execute();
  return key;
}

/** Stands for the key's hash in the query of userByApiKey, compiled once. */
const KEY_HASH = -7_301_001;

/**
 * The enabled user a key belongs to, if any, with his role as it is now: one indexed query, made for
 * every request, so that a revoked key, a disabled user or a changed role applies to the very next one.
 */
export async function userByApiKey(store: Store, key: string): Promise<User | undefined> {
  if (!API_KEY.test(key)) return undefined;
  const hash = apiKeyHash(await secret(store), key);
  // Every request asks (twice when a thread answers it): compiled once.
  const [r] = await runPrecompiled(store, 'users.by-api-key', () => userQuery(store).innerJoin('auth_key', 'auth_key.user_id', 'user.id').select('auth_key.key_hash')
    .where('auth_key.key_hash', '=', KEY_HASH as unknown as Buffer).where('user.disabled', '=', 0), [KEY_HASH], [hash]);
  return r && sameHash(r.key_hash, hash) ? toUser(r) : undefined;
}

export interface Bootstrap {
  hostOrganisation: Organisation;
  /** Set when this call made the first admin: his key and password, to be shown once. */
  admin?: { email: string; key: string; password: string };
}

/**
 * Stores a new password for a user (hashed; the password itself is never kept), noting when; `mustChange`
 * (an admin setting it for him) asks him to choose his own.
 */
export async function setPassword(store: Store, userId: number, password: string, mustChange = false): Promise<void> {
  await store.db.updateTable('user').set({ password_hash: await hashPassword(password), last_pw_change: now(), change_pw: mustChange ? 1 : 0 })
    .where('id', '=', userId).execute();
}

/** The stored password hash of a user, if he has one. */
export async function passwordHashOf(store: Store, userId: number): Promise<string | undefined> {
  return (await store.db.selectFrom('user').select('password_hash').where('id', '=', userId).executeTakeFirst())?.password_hash ?? undefined;
}

export const ADMIN_EMAIL = 'admin@admin.test';

/**
 * Makes what a new instance needs: MISP's default roles, the host organisation and a site admin with
 * an API key and a password (the given ones, or new ones). Does nothing that is already there.
 */
export async function bootstrapInstance(store: Store, options: { orgName?: string; adminKey?: string; adminPassword?: string } = {}): Promise<Bootstrap> {
  await ensureDefaultRoles(store);
  const local = (await listOrganisations(store)).find((o) => o.local);
  const host = local ?? (await addOrganisation(store, options.orgName ?? 'Cairn'));
  if ((await listUsers(store)).length > 0) return { hostOrganisation: host };
  const made = await addUser(store, ADMIN_EMAIL, host.id, 'admin');
  if (!made.ok) throw new Error(made.reason);
  const key = await addApiKey(store, made.user.id, 'made on first start', options.adminKey);
  const password = options.adminPassword ?? newPassword();
  await setPassword(store, made.user.id, password);
  return { hostOrganisation: host, admin: { email: ADMIN_EMAIL, key, password } };
}

export async function findUserById(store: Store, id: number): Promise<User | undefined> {
  const r = await userQuery(store).where('user.id', '=', id).executeTakeFirst();
  return r && toUser(r);
}

export type UserChange = { ok: true; user: User } | { ok: false; field: string; reason: string };

/** Changes a user's address, organisation, role or whether he may sign in. */
export interface UserFields {
  email?: string;
  orgId?: number;
  roleId?: number;
  disabled?: boolean;
  autoalert?: boolean;
  contactalert?: boolean;
  changePw?: boolean;
}

export async function editUser(store: Store, id: number, fields: UserFields): Promise<UserChange> {
  const set: { email?: string; org_id?: number; role_id?: number; disabled?: number; autoalert?: number; contactalert?: number; change_pw?: number } = {};
  if (fields.email !== undefined) {
    const address = fields.email.trim().toLowerCase();
    if (!EMAIL.test(address)) return { ok: false, field: 'email', reason: `"${fields.email}" is not an e-mail address` };
    const other = await store.db.selectFrom('user').select('id').where('email', '=', address).where('id', '!=', id).executeTakeFirst();
    if (other) return { ok: false, field: 'email', reason: `a user ${address} exists already` };
    set.email = address;
  }
  if (fields.orgId !== undefined) {
    if (!(await store.db.selectFrom('organisation').select('id').where('id', '=', fields.orgId).executeTakeFirst())) return { ok: false, field: 'org_id', reason: `no organisation ${fields.orgId}` };
    set.org_id = fields.orgId;
  }
  if (fields.roleId !== undefined) {
    if (!(await findRole(store, fields.roleId))) return { ok: false, field: 'role_id', reason: `no role ${fields.roleId}` };
    set.role_id = fields.roleId;
  }
  if (fields.disabled !== undefined) set.disabled = fields.disabled ? 1 : 0;
  if (fields.autoalert !== undefined) set.autoalert = fields.autoalert ? 1 : 0;
  if (fields.contactalert !== undefined) set.contactalert = fields.contactalert ? 1 : 0;
  if (fields.changePw !== undefined) set.change_pw = fields.changePw ? 1 : 0;
  if (Object.keys(set).length > 0) await store.db.updateTable('user').set(set).where('id', '=', id).execute();
  return { ok: true, user: (await findUserById(store, id))! };
}

/** Deletes a user, his API keys and his settings. */
export async function deleteUser(store: Store, id: number): Promise<void> {
  await store.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('auth_key').where('user_id', '=', id).execute();
    await trx.deleteFrom('user_setting').where('user_id', '=', id).execute();
    await trx.deleteFrom('user').where('id', '=', id).execute();
  });
}

export interface ApiKeyInfo {
  id: number;
  userId: number;
  /** The first and last four characters, all that is kept in clear to tell keys apart. */
  start: string;
  end: string;
  comment: string;
  created: number;
}

export async function listApiKeys(store: Store, userId?: number): Promise<ApiKeyInfo[]> {
  let q = store.db.selectFrom('auth_key').select(['id', 'user_id', 'key_start', 'key_end', 'comment', 'created']).orderBy('id');
  if (userId !== undefined) q = q.where('user_id', '=', userId);
  return (await q.execute()).map((r) => ({ id: r.id, userId: r.user_id, start: r.key_start, end: r.key_end, comment: r.comment, created: r.created }));
}

/** Revokes a key; false when there is none with this id. */
export async function deleteApiKey(store: Store, id: number): Promise<boolean> {
  return Number((await store.db.deleteFrom('auth_key').where('id', '=', id).executeTakeFirst()).numDeletedRows) > 0;
}

/** The role a new user gets when none is named: the one set as default, else MISP's User. */
export async function defaultRoleId(store: Store): Promise<number | undefined> {
  const set = await store.db.selectFrom('role').select('id').where('default_role', '=', 1).executeTakeFirst();
  return set?.id ?? (await store.db.selectFrom('role').select('id').where('name', '=', 'User').executeTakeFirst())?.id;
}

/** Makes a role the default one (undefined: none); false when there is no such role. */
export async function setDefaultRole(store: Store, id: number | undefined): Promise<boolean> {
  if (id !== undefined && !(await findRole(store, id))) return false;
  await store.db.transaction().execute(async (trx) => {
    await trx.updateTable('role').set({ default_role: 0 }).where('default_role', '=', 1).execute();
    if (id !== undefined) await trx.updateTable('role').set({ default_role: 1 }).where('id', '=', id).execute();
  });
  return true;
}

export async function findRole(store: Store, id: number): Promise<Role | undefined> {
  return (await listRoles(store)).find((r) => r.id === id);
}

export type RoleChange = { ok: true; role: Role } | { ok: false; field: string; reason: string };

export async function saveRole(store: Store, role: { id?: number; name: string; permissions: readonly Permission[]; limits?: Partial<RoleLimits> }): Promise<RoleChange> {
  const name = role.name.trim();
  if (!name) return { ok: false, field: 'name', reason: 'a role needs a name' };
  let q = store.db.selectFrom('role').select('id').where('name', '=', name);
  if (role.id !== undefined) q = q.where('id', '!=', role.id);
  if (await q.executeTakeFirst()) return { ok: false, field: 'name', reason: `a role named "${name}" exists already` };
  const values = {
    name, permissions: JSON.stringify([...new Set(role.permissions)]),
    ...(role.limits?.maxExecutionTime === undefined ? {} : { max_execution_time: role.limits.maxExecutionTime }),
    ...(role.limits?.memoryLimit === undefined ? {} : { memory_limit: role.limits.memoryLimit }),
  };
  const id = role.id ?? (await store.db.insertInto('role').values(values).returning('id').executeTakeFirstOrThrow()).id;
  if (role.id !== undefined) await store.db.updateTable('role').set(values).where('id', '=', id).execute();
  return { ok: true, role: (await findRole(store, id))! };
}

/** Deletes a role nobody holds; false when someone does. */
export async function deleteRole(store: Store, id: number): Promise<boolean> {
  if (await store.db.selectFrom('user').select('id').where('role_id', '=', id).executeTakeFirst()) return false;
  await store.db.deleteFrom('role').where('id', '=', id).execute();
  return true;
}
