import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PERMISSIONS, permissionFlags, type Permission } from '../../access/roles.js';
import { passwordProblem, verifyPassword } from '../../access/passwords.js';
import { endSessionsOf } from '../../store/access/sessions.js';
import {
  addApiKey, addUser, defaultRoleId, deleteApiKey, deleteRole, deleteUser, editUser, findRole, findUserById, listApiKeys, listRoles, listUsers,
  passwordHashOf, saveRole, setDefaultRole, setPassword, type Role, type RoleLimits, type User, type UserFields,
} from '../../store/access/users.js';
import { flagField, idField, modelBody, saved, textField, type Fields } from '../body.js';
import { ApiError, notFound } from '../errors.js';
import { lacking, refuseUnless, userOf } from '../session.js';
import {
  mayAdministerUsers, mayChangeAccount, mayDeleteUser, mayGrantRole, mayMakeApiKeys, mayManageKeysOf, mayManageUser, mayMoveUsers, userFacts,
} from '../../access/policy/users.js';
import { mayEditRoles } from '../../access/policy/roles.js';
import { documented } from '../openapi.js';
import { AuthKeyMade, AuthKeys, Roles, Users } from '../schemas/answers.js';
import { AUTH_KEY_BODY, ROLE_BODY, USER_BODY } from '../schemas/bodies.js';
import type { ApiContext } from '../context.js';

export function roleDocument(role: Role, defaultRoleId?: number) {
  return {
    id: String(role.id), name: role.name, ...permissionFlags(role.permissions),
    ...(defaultRoleId === undefined ? {} : { default_role: role.id === defaultRoleId }),
    max_execution_time: role.limits?.maxExecutionTime ?? '', memory_limit: role.limits?.memoryLimit ?? '',
  };
}

/**
 * MISP's per-role PHP limits as its Role model keeps them: max_execution_time a whole number (PHP's intval)
 * or '', memory_limit such as 512M or 2G, or -1, anything else ''. Absent fields are left as they are.
 */
function roleLimitsOf(body: Fields): Partial<RoleLimits> {
  const limits: Partial<RoleLimits> = {};
  const time = body.max_execution_time;
  if (time !== undefined && time !== null) {
    const text = String(time).trim();
    limits.maxExecutionTime = text === '' ? '' : String(Number.parseInt(text, 10) || 0);
  }
  const memory = body.memory_limit;
  if (memory !== undefined && memory !== null) {
    const text = String(memory).trim();
    limits.memoryLimit = /^[0-9]+[MG]$/i.test(text) || text === '-1' ? text : '';
  }
  return limits;
}

/** A user as MISP answers it: the user, his role with every flag, his organisation. */
export function userDocument(user: User) {
  return {
    User: {
      id: String(user.id), email: user.email, org_id: String(user.org.id), role_id: String(user.role.id),
      disabled: user.disabled, autoalert: user.account?.autoalert ?? false, contactalert: user.account?.contactalert ?? false,
      termsaccepted: true, change_pw: user.account?.changePw ?? false, last_pw_change: String(user.account?.lastPwChange ?? 0),
      date_created: String(user.created), date_modified: String(user.created), last_login: '0', current_login: '0',
      server_id: '0', invited_by: '0', nids_sid: '0', gpgkey: '', certif_public: '', external_auth_required: false,
    },
    Role: roleDocument(user.role),
    UserSetting: [],
    Organisation: { id: String(user.org.id), name: user.org.name, uuid: user.org.uuid, local: user.org.local },
  };
}

const failed = (what: string, field: string, reason: string) => new ApiError(403, `The ${what} could not be saved.`, { errors: { [field]: [reason] } });

/** The password a user add or edit sets (for the web interface), checked; undefined when none is given. */
function passwordOf(body: Fields): string | undefined {
  const password = textField(body, 'password');
  const problem = password === undefined ? undefined : passwordProblem(password);
  if (problem) throw failed('user', 'password', problem);
  return password;
}

/**
 * admin/users/index's filters, as MISP reads them: `value` (or `searchall`) in the address, the
 * organisation's or the role's name; `searchemail` in the address; `searchorg` and `searchrole` by id
 * (or name); `searchdisabled`, `searchautoalert` as flags. A filter given several times must all match.
 */
export function matchesUserSearch(user: User, query: Record<string, unknown>): boolean {
  const text = (name: string) => {
    const v = query[name];
    return typeof v === 'string' && v.trim() !== '' ? v.trim().toLowerCase() : undefined;
  };
  const all = text('value') ?? text('searchall');
  if (all && ![user.email, user.org.name, user.role.name].some((f) => f.toLowerCase().includes(all))) return false;
  const email = text('searchemail');
  if (email && !user.email.toLowerCase().includes(email)) return false;
  const org = text('searchorg');
  if (org && org !== String(user.org.id) && org !== user.org.name.toLowerCase() && org !== user.org.uuid) return false;
  const role = text('searchrole');
  if (role && role !== String(user.role.id) && role !== user.role.name.toLowerCase()) return false;
  const flag = (name: string, actual: boolean) => {
    const v = text(name);
    return v === undefined || (['1', 'true'].includes(v) ? actual : !actual);
  };
  return flag('searchdisabled', user.disabled) && flag('searchautoalert', user.account?.autoalert ?? false);
}

function permissionsOf(body: Fields, base: readonly Permission[] = []): Permission[] {
  const granted = new Set<Permission>(base);
  for (const p of PERMISSIONS) {
    const v = flagField(body, p);
    if (v === true) granted.add(p);
    if (v === false) granted.delete(p);
  }
  return [...granted];
}

export async function userRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store } = ctx;
  documented(app, 'Users, roles and keys', {
    'GET /admin/users/index': { summary: 'Users you administer (site admins: all; organisation admins: theirs); filters value, searchemail, searchorg, searchrole, searchdisabled', response: Users },
    'GET /users/view/:id': { summary: "A user by id ('me': yourself)" },
    'GET /admin/users/view/:id': { summary: 'A user you administer' },
    'POST /admin/users/add': { summary: 'Add a user (organisation admins: to their organisation)', body: USER_BODY },
    'POST /admin/users/edit/:id': { summary: 'Change a user', body: USER_BODY },
    'PUT /admin/users/edit/:id': { summary: 'Change a user (as POST)', body: USER_BODY },
    'POST /users/edit/:id': { summary: 'Change a user (as admin/users/edit); a user without perm_admin changes himself: email, password, autoalert, contactalert', body: USER_BODY },
    'PUT /users/edit/:id': { summary: 'As POST', body: USER_BODY },
    'POST /users/change_pw': { summary: 'Set your own password: {"password": …}' },
    'POST /admin/roles/set_default/:id': { summary: 'The role a new user gets when none is named (site admins)' },
    'POST /admin/users/delete/:id': { summary: 'Delete a user and his keys' },
    'DELETE /admin/users/delete/:id': { summary: 'Delete a user and his keys' },
    'POST /authKeys/add/:id': { summary: 'As auth_keys/add', body: AUTH_KEY_BODY, response: AuthKeyMade },
    'GET /authKeys/index': { summary: 'As auth_keys/index', response: AuthKeys },
    'POST /authKeys/delete/:id': { summary: 'Revoke a key' },
    'DELETE /authKeys/delete/:id': { summary: 'Revoke a key' },
    'POST /auth_keys/add/:id': { summary: "Make an API key for a user ('me': yourself); the key is in authkey_raw, shown this once", body: AUTH_KEY_BODY, response: AuthKeyMade },
    'GET /auth_keys/index': { summary: 'Your keys (admins: those of the users they administer), by their first and last characters', response: AuthKeys },
    'POST /auth_keys/delete/:id': { summary: 'Revoke a key' },
    'DELETE /auth_keys/delete/:id': { summary: 'Revoke a key' },
    'GET /roles': { summary: 'The roles, with every permission flag', response: Roles },
    'GET /roles/index': { summary: 'The roles, with every permission flag', response: Roles },
    'GET /roles/view/:id': { summary: 'One role' },
    'POST /admin/roles/add': { summary: 'Add a role (site admins): a name and perm_* flags', body: ROLE_BODY },
    'POST /admin/roles/edit/:id': { summary: 'Change a role (site admins)', body: ROLE_BODY },
    'POST /admin/roles/delete/:id': { summary: 'Delete a role nobody holds (site admins)' },
    'DELETE /admin/roles/delete/:id': { summary: 'Delete a role nobody holds (site admins)' },
  });
  const managedUser = async (admin: User, text: string) => {
    const target = /^\d+$/.test(text) ? await findUserById(store, Number(text)) : undefined;
    if (!target || !mayManageUser(admin, userFacts(target))) throw notFound('user');
    return target;
  };

  // --- users ---
  app.get('/admin/users/index', async (request) => {
    const admin = userOf(request);
    refuseUnless(mayAdministerUsers(admin), lacking('perm_admin'));
    const query = (request.query ?? {}) as Record<string, unknown>;
    return (await listUsers(store)).filter((u) => mayManageUser(admin, userFacts(u)) && matchesUserSearch(u, query)).map(userDocument);
  });

  const view = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const user = userOf(request);
    if (request.params.id === 'me' || request.params.id === String(user.id)) return userDocument(user);
    return userDocument(await managedUser(user, request.params.id));
  };
  app.get('/users/view/:id', view);
  app.get('/admin/users/view/:id', view);

  /** The role a request names, checked against what the admin may give. */
  const grantable = async (admin: User, roleId: number) => {
    const role = await findRole(store, roleId);
    if (!role) throw failed('user', 'role_id', `no role ${roleId}`);
    if (!mayGrantRole(admin, role)) throw failed('user', 'role_id', 'only a site admin may give a site admin role');
    return role;
  };

  app.post('/admin/users/add', async (request) => {
    const admin = userOf(request);
    refuseUnless(mayAdministerUsers(admin), lacking('perm_admin'));
    const body = modelBody(request.body, 'User', 'The user could not be saved.');
    const email = textField(body, 'email');
    if (!email) throw failed('user', 'email', 'a user needs an e-mail address');
    const orgId = idField(body, 'org_id') ?? admin.org.id;
    if (!mayManageUser(admin, { orgId })) throw failed('user', 'org_id', 'an organisation admin adds users to his own organisation only');
    const roleId = idField(body, 'role_id') ?? await defaultRoleId(store);
    if (roleId === undefined) throw failed('user', 'role_id', 'a role is needed');
    const role = await grantable(admin, roleId);
    const password = passwordOf(body);
    const made = await addUser(store, email, orgId, role.name);
    if (!made.ok) throw failed('user', made.field, made.reason);
    if (password !== undefined) await setPassword(store, made.user.id, password);
    const flags = alertFlags(body);
    if (flagField(body, 'disabled')) flags.disabled = true;
    const changePw = flagField(body, 'change_pw');
    if (changePw !== undefined) flags.changePw = changePw;
    await editUser(store, made.user.id, flags);
    // As MISP does, a new user comes with a key, shown in cleartext in this answer only.
    const authkey = await addApiKey(store, made.user.id, 'made with the user');
    const doc = userDocument((await findUserById(store, made.user.id))!);
    return { ...doc, User: { ...doc.User, authkey } };
  });

  const edit = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const admin = userOf(request);
    refuseUnless(mayAdministerUsers(admin), lacking('perm_admin'));
    const target = await managedUser(admin, request.params.id);
    const body = modelBody(request.body, 'User', 'The user could not be saved.');
    const fields: Parameters<typeof editUser>[2] = {};
    const email = textField(body, 'email');
    if (email !== undefined) fields.email = email;
    const orgId = idField(body, 'org_id');
    if (orgId !== undefined && orgId !== target.org.id) {
      if (!mayMoveUsers(admin)) throw failed('user', 'org_id', 'only a site admin moves users between organisations');
      fields.orgId = orgId;
    }
    const roleId = idField(body, 'role_id');
    if (roleId !== undefined) fields.roleId = (await grantable(admin, roleId)).id;
    const disabled = flagField(body, 'disabled');
    if (disabled !== undefined) fields.disabled = disabled;
    Object.assign(fields, alertFlags(body));
    const changePw = flagField(body, 'change_pw');
    if (changePw !== undefined) fields.changePw = changePw;
    if (!mayChangeAccount(admin, userFacts(target), fields)) {
      throw failed('user', fields.disabled ? 'disabled' : 'role_id', 'you may not disable yourself or change your own role');
    }
    const password = passwordOf(body);
    const changed = await editUser(store, target.id, fields);
    if (!changed.ok) throw failed('user', changed.field, changed.reason);
    if (password !== undefined) await setPassword(store, target.id, password);
    // A new password or a disabled account ends the user's sessions in the web interface.
    if (password !== undefined || fields.disabled) await endSessionsOf(store, target.id);
    return userDocument(changed.user);
  };
  app.post('/admin/users/edit/:id', edit);
  app.put('/admin/users/edit/:id', edit);

  // users/edit: an administrator's edit for those who administer users; anyone else edits himself, with
  // MISP's fields for that (address, password, alert choices); the rest of the document is ignored.
  const selfEdit = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const user = userOf(request);
    if (mayAdministerUsers(user)) return edit(request);
    if (request.params.id !== 'me' && request.params.id !== String(user.id)) throw notFound('user');
    const body = modelBody(request.body, 'User', 'The user could not be saved.');
    const fields: UserFields = alertFlags(body);
    const email = textField(body, 'email');
    if (email !== undefined) fields.email = email;
    const password = textField(body, 'password') === '*****' ? undefined : passwordOf(body);
    const changed = await editUser(store, user.id, fields);
    if (!changed.ok) throw failed('user', changed.field, changed.reason);
    if (password !== undefined) {
      await setPassword(store, user.id, password);
      await endSessionsOf(store, user.id);
    }
    return userDocument((await findUserById(store, user.id))!);
  };
  app.post('/users/edit/:id', selfEdit);
  app.put('/users/edit/:id', selfEdit);

  // users/change_pw: a user sets his own password (MISP asks the current one in its web form only).
  app.post('/users/change_pw', async (request) => {
    const user = userOf(request);
    const body = modelBody(request.body, 'User', 'The password could not be updated.');
    const password = textField(body, 'password');
    if (!password) throw new ApiError(403, 'The password could not be updated.', { errors: { password: ['a new password is required'] } });
    const problem = passwordProblem(password);
    if (problem) throw new ApiError(403, 'The password could not be updated. Make sure you meet the minimum password length / complexity requirements.', { errors: { password: [problem] } });
    const current = await passwordHashOf(store, user.id);
    if (current && (await verifyPassword(password, current))) throw new ApiError(403, 'Submitted new password cannot be the same as the current one');
    await setPassword(store, user.id, password);
    await endSessionsOf(store, user.id);
    return saved('Password Changed.', '/users/change_pw');
  });

  const remove = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const admin = userOf(request);
    refuseUnless(mayAdministerUsers(admin), lacking('perm_admin'));
    const target = await managedUser(admin, request.params.id);
    refuseUnless(mayDeleteUser(admin, userFacts(target)), 'You may not delete yourself.');
    await deleteUser(store, target.id);
    return saved('User deleted.', request.url.split('?')[0] ?? '', target.id);
  };
  app.post('/admin/users/delete/:id', remove);
  app.delete('/admin/users/delete/:id', remove);

  // --- API keys: a user makes and revokes his own; admins those of the users they manage ---
  const addKey = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const user = userOf(request);
    const target = request.params.id === 'me' || request.params.id === String(user.id) ? user : await managedUser(user, request.params.id);
    refuseUnless(mayMakeApiKeys(user), lacking('perm_auth'));
    const comment = textField((request.body ?? {}) as Fields, 'comment') ?? '';
    const key = await addApiKey(store, target.id, comment);
    const info = (await listApiKeys(store, target.id)).at(-1)!;
    return { AuthKey: { ...apiKeyDocument(info), authkey_raw: key } };
  };
  const keyIndex = async (request: FastifyRequest) => {
    const user = userOf(request);
    const users = new Map((await listUsers(store)).map((u) => [u.id, u]));
    return (await listApiKeys(store))
      .filter((k) => mayManageKeysOf(user, userFacts(users.get(k.userId)!)))
      .map((k) => ({ AuthKey: apiKeyDocument(k), User: { id: String(k.userId), email: users.get(k.userId)!.email } }));
  };
  const revoke = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const user = userOf(request);
    const key = (await listApiKeys(store)).find((k) => String(k.id) === request.params.id);
    const owner = key && (await findUserById(store, key.userId));
    if (!key || !owner || !mayManageKeysOf(user, userFacts(owner))) throw notFound('auth key');
    await deleteApiKey(store, key.id);
    return saved('AuthKey deleted.', request.url.split('?')[0] ?? '', key.id);
  };
  // MISP's routes answer to both spellings of the controller: auth_keys/… and authKeys/….
  for (const base of ['/auth_keys', '/authKeys']) {
    app.post(`${base}/add/:id`, addKey);
    app.get(`${base}/index`, keyIndex);
    app.post(`${base}/delete/:id`, revoke);
    app.delete(`${base}/delete/:id`, revoke);
  }

  // --- roles: every user may read them; site admins change them ---
  const roles = async (request: FastifyRequest) => {
    userOf(request);
    const byDefault = await defaultRoleId(store);
    return (await listRoles(store)).map((r) => ({ Role: roleDocument(r, byDefault) }));
  };
  app.get('/roles', roles);
  app.get('/roles/index', roles);
  app.get<{ Params: { id: string } }>('/roles/view/:id', async (request) => {
    userOf(request);
    const role = await findRole(store, Number(request.params.id));
    if (!role) throw notFound('role');
    return { Role: roleDocument(role, await defaultRoleId(store)) };
  });
  app.post<{ Params: { id: string } }>('/admin/roles/set_default/:id', async (request) => {
    refuseUnless(mayEditRoles(userOf(request)), lacking('perm_site_admin'));
    const id = /^\d+$/.test(request.params.id) ? Number(request.params.id) : undefined;
    if (id === undefined || !(await setDefaultRole(store, id))) throw new ApiError(403, 'Invalid Role.');
    return saved('Default role set.', '/admin/roles/set_default', id);
  });
  app.post('/admin/roles/add', async (request) => {
    refuseUnless(mayEditRoles(userOf(request)), lacking('perm_site_admin'));
    const body = modelBody(request.body, 'Role', 'The role could not be saved.');
    const made = await saveRole(store, { name: textField(body, 'name') ?? '', permissions: permissionsOf(body), limits: roleLimitsOf(body) });
    if (!made.ok) throw failed('role', made.field, made.reason);
    return { Role: roleDocument(made.role) };
  });
  app.post<{ Params: { id: string } }>('/admin/roles/edit/:id', async (request) => {
    refuseUnless(mayEditRoles(userOf(request)), lacking('perm_site_admin'));
    const role = await findRole(store, Number(request.params.id));
    if (!role) throw notFound('role');
    const body = modelBody(request.body, 'Role', 'The role could not be saved.');
    const changed = await saveRole(store, { id: role.id, name: textField(body, 'name') ?? role.name, permissions: permissionsOf(body, role.permissions), limits: roleLimitsOf(body) });
    if (!changed.ok) throw failed('role', changed.field, changed.reason);
    return { Role: roleDocument(changed.role) };
  });
  const removeRole = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    refuseUnless(mayEditRoles(userOf(request)), lacking('perm_site_admin'));
    const role = await findRole(store, Number(request.params.id));
    if (!role) throw notFound('role');
    if (!(await deleteRole(store, role.id))) throw new ApiError(403, `The role "${role.name}" could not be deleted: users hold it.`);
    return saved('Role deleted.', request.url.split('?')[0] ?? '', role.id);
  };
  app.post('/admin/roles/delete/:id', removeRole);
  app.delete('/admin/roles/delete/:id', removeRole);
}

/** The alert choices a user document sets. */
function alertFlags(body: Fields): UserFields {
  const fields: UserFields = {};
  const autoalert = flagField(body, 'autoalert');
  if (autoalert !== undefined) fields.autoalert = autoalert;
  const contactalert = flagField(body, 'contactalert');
  if (contactalert !== undefined) fields.contactalert = contactalert;
  return fields;
}

function apiKeyDocument(k: { id: number; userId: number; start: string; end: string; comment: string; created: number }) {
  return {
    id: String(k.id), authkey_start: k.start, authkey_end: k.end, created: String(k.created), expiration: '0',
    user_id: String(k.userId), comment: k.comment, allowed_ips: null, read_only: false,
  };
}
