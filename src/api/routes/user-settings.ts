import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isUserSettingName, mayManageSettingsOf, maySeeUserSetting, userSettingLack } from '../../access/policy/user-settings.js';
import { userFacts } from '../../access/policy/users.js';
import { findUserById, listUsers, type User } from '../../store/access/users.js';
import {
  deleteUserSetting, listUserSettings, saveUserSetting, userSetting, userSettingById, type UserSettingRow,
} from '../../store/access/user-settings.js';
import { saved, textField, type Fields } from '../body.js';
import type { ApiContext } from '../context.js';
import { ApiError } from '../errors.js';
import { documented } from '../openapi.js';
import { userOf } from '../session.js';

/** A setting as MISP answers it: its value decoded from the JSON it is kept as. */
function settingDocument(s: UserSettingRow) {
  let value: unknown;
  try {
    value = JSON.parse(s.value);
  } catch {
    value = s.value;
  }
  return { id: String(s.id), user_id: String(s.userId), setting: s.setting, value, timestamp: String(s.timestamp) };
}

/** What a value is kept as: MISP takes JSON text (what PyMISP sends for a structured value) or any JSON value. */
function storedValue(value: unknown): string {
  if (typeof value === 'string') {
    try {
      JSON.parse(value);
      return value;
    } catch {
      return JSON.stringify(value);
    }
  }
  return JSON.stringify(value ?? []);
}

const invalid = (status: number) => new ApiError(status, 'Invalid setting.');

/** MISP's UserSettingsController: per-user settings, kept and answered as MISP does (Cairn does not act on them). */
export async function userSettingRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store } = ctx;
  const docs: Record<string, { summary: string }> = {};
  for (const base of ['/userSettings', '/user_settings']) {
    const set = { summary: 'Set one of your settings (admins: "user_id" for a user they manage): {"setting": …, "value": …}' };
    Object.assign(docs, {
      [`POST ${base}/setSetting`]: set, [`POST ${base}/setSetting/:userId`]: set, [`POST ${base}/setSetting/:userId/:setting`]: set,
      [`POST ${base}/getSetting`]: { summary: 'One setting: {"setting": …, "user_id": …}' },
      [`GET ${base}/getSetting/:userId/:setting`]: { summary: 'One setting of a user' },
      [`GET ${base}`]: { summary: 'Settings you may see; filters setting, user_id (me, org, all or an id)' },
      [`GET ${base}/index`]: { summary: 'Settings you may see; filters setting, user_id (me, org, all or an id)' },
      [`POST ${base}/delete`]: { summary: 'Delete a setting: {"setting": …, "user_id": …}' },
      [`POST ${base}/delete/:id`]: { summary: 'Delete a setting' },
      [`DELETE ${base}/delete/:id`]: { summary: 'Delete a setting' },
    });
  }
  documented(app, 'Users, roles and keys', docs);

  /** The user a request names (by default the caller), if the caller may handle his settings. */
  const subject = async (caller: User, id: unknown): Promise<User | undefined> => {
    if (id === undefined || id === null || id === '' || String(id) === String(caller.id) || id === 'me') return caller;
    const target = /^\d+$/.test(String(id)) ? await findUserById(store, Number(id)) : undefined;
    return target && mayManageSettingsOf(caller, userFacts(target)) ? target : undefined;
  };

  const set = async (request: FastifyRequest<{ Params: { userId?: string; setting?: string } }>) => {
    const caller = userOf(request);
    const raw = (request.body ?? {}) as Fields;
    const body = (typeof raw.UserSetting === 'object' && raw.UserSetting !== null ? raw.UserSetting : raw) as Fields;
    const name = request.params.setting ?? textField(body, 'setting');
    if (!name || !('value' in body)) throw new ApiError(405, 'This endpoint expects both a setting and a value to be set.');
    if (!isUserSettingName(name)) throw invalid(405);
    const lack = userSettingLack(caller, name);
    if (lack) throw new ApiError(405, `This setting is restricted and requires the following permission(s): ${lack}`);
    // As MISP: a user_id the caller may not manage falls back to his own.
    const target = (await subject(caller, request.params.userId ?? body.user_id)) ?? caller;
    return { UserSetting: settingDocument(await saveUserSetting(store, target.id, name, storedValue(body.value))) };
  };
  const get = async (caller: User, userId: unknown, name: string | undefined) => {
    if (!name) throw new ApiError(400, 'No setting name provided.');
    if (!isUserSettingName(name) || !maySeeUserSetting(caller, name)) throw invalid(404);
    const target = await subject(caller, userId);
    const found = target && (await userSetting(store, target.id, name));
    if (!found) throw invalid(404);
    return settingDocument(found);
  };
  const index = async (request: FastifyRequest) => {
    const caller = userOf(request);
    const query = (request.query ?? {}) as Record<string, unknown>;
    const wanted = textField(query, 'user_id');
    const visible = (await listUsers(store)).filter((u) => mayManageSettingsOf(caller, userFacts(u)));
    const users = visible.filter((u) => !wanted || wanted === 'all' || (wanted === 'me' ? u.id === caller.id
      : wanted === 'org' ? u.org.id === caller.org.id : String(u.id) === wanted));
    const setting = textField(query, 'setting');
    return (await listUserSettings(store, { userIds: users.map((u) => u.id), ...(setting ? { setting } : {}) }))
      .filter((s) => maySeeUserSetting(caller, s.setting)).map((s) => ({ UserSetting: settingDocument(s) }));
  };
  const remove = async (request: FastifyRequest<{ Params: { id?: string } }>) => {
    const caller = userOf(request);
    const body = (request.body ?? {}) as Fields;
    let found: UserSettingRow | undefined;
    if (request.params.id !== undefined) found = /^\d+$/.test(request.params.id) ? await userSettingById(store, Number(request.params.id)) : undefined;
    else {
      const name = textField(body, 'setting');
      if (!name) throw new ApiError(400, 'No setting name to delete provided.');
      const target = await subject(caller, body.user_id);
      found = target && (await userSetting(store, target.id, name));
    }
    const owner = found && (await findUserById(store, found.userId));
    if (!found || !owner || !mayManageSettingsOf(caller, userFacts(owner)) || !maySeeUserSetting(caller, found.setting)) throw invalid(404);
    await deleteUserSetting(store, found.id);
    return saved('Setting deleted.', '/userSettings/delete', found.id);
  };

  // MISP answers to both spellings of the controller.
  for (const base of ['/userSettings', '/user_settings']) {
    app.post(`${base}/setSetting`, set);
    app.post(`${base}/setSetting/:userId`, set);
    app.post(`${base}/setSetting/:userId/:setting`, set);
    app.post(`${base}/getSetting`, async (request) => {
      const body = (request.body ?? {}) as Fields;
      return get(userOf(request), body.user_id, textField(body, 'setting'));
    });
    app.get<{ Params: { userId: string; setting: string } }>(`${base}/getSetting/:userId/:setting`, async (request) =>
      get(userOf(request), request.params.userId, request.params.setting));
    app.get(`${base}`, index);
    app.get(`${base}/index`, index);
    app.post(`${base}/delete`, remove);
    app.post(`${base}/delete/:id`, remove);
    app.delete(`${base}/delete/:id`, remove);
  }
}
