import { createHash, randomBytes } from 'node:crypto';
import { hashPassword, verifyPassword } from '../../access/passwords.js';
import type { Store } from '../db/database.js';
import { findUserById, type User } from './users.js';

const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

/** A hash that matches no password, checked when there is no such user so that an unknown address costs as much as a wrong password. */
let decoy: Promise<string> | undefined;

/** The enabled user with this address and password, if any. */
export async function userByPassword(store: Store, email: string, password: string): Promise<User | undefined> {
  const row = await store.db.selectFrom('user').select(['id', 'password_hash']).where('email', '=', email.trim().toLowerCase())
    .where('disabled', '=', 0).executeTakeFirst();
  if (!row?.password_hash) {
    await verifyPassword(password, await (decoy ??= hashPassword(randomBytes(16).toString('hex'))));
    return undefined;
  }
  return (await verifyPassword(password, row.password_hash)) ? findUserById(store, row.id) : undefined;
}

export interface SessionTokens {
  /** What the cookie carries. */
  token: string;
  /** What each change the session asks for must carry in X-CSRF-Token. */
  csrf: string;
}

export async function startSession(store: Store, userId: number): Promise<SessionTokens> {
  const token = randomBytes(32).toString('base64url');
  const csrf = randomBytes(32).toString('base64url');
  const now = Date.now();
  await store.db.insertInto('session').values({ token_hash: tokenHash(token), user_id: userId, csrf, created: now, last_seen: now }).execute();
  return { token, csrf };
}

export interface SessionLimits {
  /** A session unused this long ends. */
  idleMs: number;
  /** A session ends this long after sign-in, used or not. */
  maxMs: number;
}

/** The enabled user of a live session and its CSRF token; a session past its limits is ended. */
export async function sessionOf(store: Store, token: string, limits: SessionLimits): Promise<{ user: User; csrf: string } | undefined> {
  const hash = tokenHash(token);
  const row = await store.db.selectFrom('session').selectAll().where('token_hash', '=', hash).executeTakeFirst();
  if (!row) return undefined;
  const now = Date.now();
  if (now - Number(row.last_seen) > limits.idleMs || now - Number(row.created) > limits.maxMs) {
    await store.db.deleteFrom('session').where('token_hash', '=', hash).execute();
    return undefined;
  }
  const user = await findUserById(store, row.user_id);
  if (!user || user.disabled) return undefined;
  // Written at most once a minute: a page's burst of requests costs one write, not one each.
  if (now - Number(row.last_seen) > 60_000) await store.db.updateTable('session').set({ last_seen: now }).where('token_hash', '=', hash).execute();
  return { user, csrf: row.csrf };
}

export async function endSession(store: Store, token: string): Promise<void> {
  await store.db.deleteFrom('session').where('token_hash', '=', tokenHash(token)).execute();
}

/** Ends every session of a user (his password changed, or he was disabled). */
export async function endSessionsOf(store: Store, userId: number): Promise<void> {
  await store.db.deleteFrom('session').where('user_id', '=', userId).execute();
}
