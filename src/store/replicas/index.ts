/**
 * Reads spread over PostgreSQL streaming replicas (CAIRN_DATABASE_REPLICA_URLS).
 *
 * The heavy reads (searches, exports, the event index, TAXII pages, the feed caches' comparisons) ask
 * `readingStore(store, viewer)` for the store to read from, and run on it unchanged: the same SQL, the
 * same access predicates (src/store/visibility.ts), another connection. Writes never go there.
 *
 * Read-your-writes. A user who wrote must read what he wrote, whichever server process or thread
 * answers his next request (`cairn serve --workers N` shares requests among processes; their threads
 * open stores of their own). So the mark lives where all of them see it, in the primary: once a
 * request of a user that may have written has committed, and before its answer leaves, the primary's
 * WAL insert position is stored for that user (`generation` row `wal:<user id>`, only ever raised). A
 * heavy read of that user then reads the mark (one indexed read on the primary) and goes to a replica
 * only if that replica's last check saw it replayed at least as far: its data then holds the write.
 * Nothing is kept in a process's memory, so no process can be wrong about another's writes; a replica
 * that just caught up is used again as soon as a check sees it (a fraction of a second). The mark costs
 * one small write per writing request, and a user who never wrote (most readers: scripts, feeds) reads
 * from replicas at once.
 */
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Viewer } from '../../access/viewer.js';
import type { Store } from '../db/database.js';
import type { Database } from '../db/schema.js';

export type { ReplicaConfig } from './config.js';
export type { ReplicaSet, ReplicaState } from './set.js';

const markName = (userId: number) => `wal:${userId}`;
const readers = new WeakMap<Kysely<Database>, Store>();

/**
 * Remembers that the user's writes so far are committed up to the primary's WAL insert position now:
 * call it after the user's writes have committed, before he is answered. Nothing without replicas.
 */
export async function markWritten(store: Store, userId: number): Promise<void> {
  if (!store.replicas) return;
  await sql`insert into generation (name, value) values (${markName(userId)}, (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint)
    on conflict (name) do update set value = greatest(generation.value, excluded.value)`.execute(store.db);
}

/** The WAL position (bytes) the user's last write reached; 0 when he has not written while replicas served. */
async function writtenUpTo(store: Store, userId: number): Promise<number> {
  const row = await store.db.selectFrom('generation').select('value').where('name', '=', markName(userId)).executeTakeFirst();
  return row ? Number(row.value) : 0;
}

/**
 * The store a heavy read of this viewer should run on: a healthy replica, within the lag bound, that has
 * replayed the viewer's own last write; else the store itself (no replicas, none fit, or the embedded
 * store). The store returned reads only: no transactions, no writes.
 */
export async function readingStore(store: Store, viewer?: Viewer): Promise<Store> {
  const set = store.replicas;
  if (!set?.anyUsable) return store;
  const userId = viewer?.kind === 'user' ? viewer.userId : undefined;
  const since = userId === undefined ? 0 : await writtenUpTo(store, userId);
  const db = set.pick(since);
  if (!db) return store;
  let reader = readers.get(db);
  if (!reader) {
    const { replicas: _, ...rest } = store;
    reader = { ...rest, db, location: `${store.location} (a replica)`, close: async () => undefined };
    readers.set(db, reader);
  }
  return reader;
}
