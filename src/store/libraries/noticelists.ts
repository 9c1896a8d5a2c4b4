import type { Noticelist } from '../../libraries/noticelist.js';
import type { Store } from '../db/database.js';

export interface NoticelistInfo {
  id: number;
  enabled: boolean;
  list: Noticelist;
}

function info(r: { id: number; enabled: number; definition: string }): NoticelistInfo {
  return { id: r.id, enabled: r.enabled === 1, list: JSON.parse(r.definition) as Noticelist };
}

export async function listNoticelists(store: Store): Promise<NoticelistInfo[]> {
  return (await store.db.selectFrom('noticelist').select(['id', 'enabled', 'definition']).orderBy('name').execute()).map(info);
}

/** A noticelist by id or name. */
export async function noticelistByRef(store: Store, ref: string): Promise<NoticelistInfo | undefined> {
  const q = store.db.selectFrom('noticelist').select(['id', 'enabled', 'definition']);
  const row = await (/^\d+$/.test(ref) ? q.where('id', '=', Number(ref)) : q.where('name', '=', ref)).executeTakeFirst();
  return row && info(row);
}

export async function setNoticelistEnabled(store: Store, id: number, enabled: boolean): Promise<void> {
  await store.db.updateTable('noticelist').set({ enabled: enabled ? 1 : 0 }).where('id', '=', id).execute();
}
