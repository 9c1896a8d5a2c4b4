import type { Store } from '../db/database.js';

/** A per-user setting as stored: its value as JSON text. */
export interface UserSettingRow {
  id: number;
  userId: number;
  setting: string;
  value: string;
  timestamp: number;
}

const COLUMNS = ['id', 'user_id', 'setting', 'value', 'timestamp'] as const;

const toRow = (r: { id: number; user_id: number; setting: string; value: string; timestamp: number }): UserSettingRow =>
  ({ id: r.id, userId: r.user_id, setting: r.setting, value: r.value, timestamp: Number(r.timestamp) });

/** Sets (or replaces) a user's setting; answers it as stored. */
export async function saveUserSetting(store: Store, userId: number, setting: string, value: string): Promise<UserSettingRow> {
  const timestamp = Math.floor(Date.now() / 1000);
  await store.db.insertInto('user_setting').values({ user_id: userId, setting, value, timestamp })
    .onConflict((oc) => oc.columns(['user_id', 'setting']).doUpdateSet({ value, timestamp })).execute();
  return (await userSetting(store, userId, setting))!;
}

export async function userSetting(store: Store, userId: number, setting: string): Promise<UserSettingRow | undefined> {
  const r = await store.db.selectFrom('user_setting').select(COLUMNS).where('user_id', '=', userId).where('setting', '=', setting).executeTakeFirst();
  return r && toRow(r);
}

export async function userSettingById(store: Store, id: number): Promise<UserSettingRow | undefined> {
  const r = await store.db.selectFrom('user_setting').select(COLUMNS).where('id', '=', id).executeTakeFirst();
  return r && toRow(r);
}

/** The settings of the users named (every user's when `userIds` is undefined), optionally one setting only. */
export async function listUserSettings(store: Store, filter: { userIds?: readonly number[]; setting?: string }): Promise<UserSettingRow[]> {
  let q = store.db.selectFrom('user_setting').select(COLUMNS).orderBy('id');
  if (filter.userIds) q = q.where('user_id', 'in', filter.userIds.length ? [...filter.userIds] : [-1]);
  if (filter.setting) q = q.where('setting', '=', filter.setting);
  return (await q.execute()).map(toRow);
}

export async function deleteUserSetting(store: Store, id: number): Promise<void> {
  await store.db.deleteFrom('user_setting').where('id', '=', id).execute();
}
