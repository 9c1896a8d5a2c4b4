import { randomUUID } from 'node:crypto';
import type { Store } from '../db/database.js';

/** A request for an account, as someone without one sent it (users/register). */
export interface Registration {
  id: number;
  uuid: string;
  created: number;
  ip: string;
  userAgent: string;
  comment: string;
  /** What was asked for: email, org_name, org_uuid, message, perm_* … */
  data: Record<string, unknown>;
}

type Row = { id: number; uuid: string; created: number; ip: string; user_agent: string; comment: string; data: string };

const toRegistration = (r: Row): Registration => ({
  id: r.id, uuid: r.uuid, created: Number(r.created), ip: r.ip, userAgent: r.user_agent, comment: r.comment, data: JSON.parse(r.data) as Record<string, unknown>,
});

export async function addRegistration(store: Store, r: { ip: string; userAgent: string; comment: string; data: Record<string, unknown> }): Promise<Registration> {
  const row = await store.db.insertInto('registration').values({
    uuid: randomUUID(), created: Math.floor(Date.now() / 1000), ip: r.ip, user_agent: r.userAgent, comment: r.comment, data: JSON.stringify(r.data),
  }).returningAll().executeTakeFirstOrThrow();
  return toRegistration(row);
}

/** The waiting registrations, oldest first. */
export async function listRegistrations(store: Store): Promise<Registration[]> {
  return (await store.db.selectFrom('registration').selectAll().orderBy('id').execute()).map(toRegistration);
}

/** Registrations by id or uuid. */
export async function findRegistrations(store: Store, refs: readonly string[]): Promise<Registration[]> {
  return (await listRegistrations(store)).filter((r) => refs.includes(String(r.id)) || refs.includes(r.uuid));
}

export async function deleteRegistration(store: Store, id: number): Promise<void> {
  await store.db.deleteFrom('registration').where('id', '=', id).execute();
}
