import { sql, type Transaction } from 'kysely';
import type { Store } from '../db/database.js';
import type { Database } from '../db/schema.js';

/**
 * The instance's writers' turn on PostgreSQL (an advisory lock held to the commit). Writers of every
 * process and server write at the same time and take turns only for their last steps: the events'
 * change marks (touchEvents) and the values' counts of events, so that marks come in the order of the
 * commits. SQLite needs none: its write transactions begin immediate, one writer at a time.
 * Event writers used to hold it from their first write, because two transactions inserting the values
 * they share in their own orders deadlocked; values are now created outside the writers' transactions
 * (RefResolver.valueIds), in key order, so that the lock is held for a few round trips instead of a
 * whole write (issue 16: it was handed round four processes, the holder often idle waiting for its own
 * event loop). test/store/concurrent-writers.test.ts writes shared values from several stores at once.
 */
const EVENT_WRITER_LOCK = 0x43_61_69_72_6e_57;

/** Transactions holding the turn: it lasts to their end, so a second step of one (flush's counts, then its marks) asks no more. */
const holding = new WeakSet<Transaction<Database>>();

export async function takeWriterTurn(store: Store, trx: Transaction<Database>): Promise<void> {
  if (store.dialect !== 'postgres' || holding.has(trx)) return;
  await sql`select pg_advisory_xact_lock(${EVENT_WRITER_LOCK})`.execute(trx);
  holding.add(trx);
}

/**
 * Marks events as written now. What a TAXII client reads as an object's `date_added` comes from this
 * mark, so every change that alters an event's STIX objects (its attributes, tags, sightings, state)
 * sets it, in the transaction of the change and just before it commits. The mark is also later than
 * every other one, so that no two commits share a millisecond: a client that read up to one mark never
 * misses a change committed after it. On PostgreSQL the writers' turn, taken here and held to the
 * commit, puts the marks in the order of the commits: without it two transactions read the same
 * latest mark, and one committed after a client had read past its mark.
 */
export async function touchEvents(store: Store, trx: Transaction<Database>, eventIds: Iterable<number>): Promise<void> {
  const unique = [...new Set(eventIds)];
  if (unique.length === 0) return;
  await takeWriterTurn(store, trx);
  const top = await trx.selectFrom('event').select((eb) => eb.fn.max('changed').as('m')).executeTakeFirst();
  const changed = Math.max(Date.now(), Number(top?.m ?? 0) + 1);
  for (let i = 0; i < unique.length; i += 500) {
    await trx.updateTable('event').set({ changed }).where('id', 'in', unique.slice(i, i + 500)).execute();
  }
}
