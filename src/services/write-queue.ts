import type { MispEvent } from '../model/event.js';
import type { Store } from '../store/db/database.js';
import { eventUuidTaken } from '../store/events/reader.js';
import type { AnalystWrite } from '../store/analyst-data.js';
import { EventSaver, type SaveOptions, type SaveOutcome } from '../store/events/writer.js';
import { attributesOf, type EventWriter } from './import/pipeline.js';

/** A new event written in a group: its outcome (undefined when its uuid was taken), and whether it is committed yet. */
interface Grouped {
  outcome: SaveOutcome | undefined;
  committed: boolean;
}

/**
 * Events written by concurrent requests share a commit: each request's event is written whole in
 * turn, and once none is waiting to be written the transaction commits and every request whose event
 * it holds gets its answer. One commit per request would rewrite the same random index pages again and
 * again; under load a commit now carries many events, and a lone request still commits at once.
 */
export class WriteQueue implements EventWriter {
  private readonly saver: EventSaver;
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;
  private commit: { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } | undefined;
  /** Uuids written in the open transaction: another connection (PostgreSQL) cannot see them yet. */
  private readonly uncommitted = new Set<string>();
  /** Bulk writers holding commits back (holdCommits), each with its attribute and time budget. */
  private readonly holds = new Set<{ attributes: number; maxMs: number }>();
  /** Attributes handed to the open transaction, and when its first write came. */
  private pending = { attributes: 0, since: 0 };
  private holdTimer: NodeJS.Timeout | undefined;

  /**
   * New events are written in groups on PostgreSQL only, where each event costs round trips and each
   * commit a turn at the writers' lock, taken in turn by every process of the instance. On the embedded store one process
   * writes with no round trips, and a commit per group cost more than it saved: issue 16's mix went from
   * about 534 to 486 requests/s with groups (back to back, load 4-7).
   */
  private readonly groupsNew: boolean;

  constructor(store: Store, private readonly check = (uuid: string) => eventUuidTaken(store, uuid)) {
    // The queue decides when to commit, never the saver.
    this.saver = new EventSaver(store, { commitEveryAttributes: Number.MAX_SAFE_INTEGER, commitEveryMs: Number.MAX_SAFE_INTEGER });
    this.groupsNew = store.dialect === 'postgres';
  }

  /**
   * Stores an event, as the import pipeline's writer: with onlyNew, undefined when its uuid is taken.
   * Resolves once the event is committed.
   */
  save(event: MispEvent, options: { onlyNew: boolean; localEdit?: boolean; changedItems?: ReadonlySet<string>; analyst?: readonly AnalystWrite[] }): Promise<SaveOutcome | undefined> {
    const { onlyNew, analyst, ...edit } = options;
    return this.write(event, onlyNew, edit, analyst);
  }

  /**
   * Writes a user's change of a stored event: the event carrying only what changes, every item of it
   * taken even at its stored timestamp (see changedEventStamp). Resolves once it is committed.
   */
  async update(event: MispEvent): Promise<SaveOutcome> {
    return (await this.write(event, false, { localEdit: true }))!;
  }

  private async write(event: MispEvent, create: boolean, edit: Pick<SaveOptions, 'localEdit' | 'changedItems'>, analyst?: readonly AnalystWrite[]): Promise<SaveOutcome | undefined> {
    this.waiting++;
    if (this.groupsNew && create && !analyst?.length && !edit.localEdit && !edit.changedItems) {
      let grouped: Grouped;
      try {
        grouped = await this.inGroup(event);
      } finally {
        if (this.waiting === 0) this.flushSoon();
      }
      if (grouped.outcome === undefined) return undefined;
      if (!grouped.committed) await (this.commit ?? this.openCommit()).promise;
      return grouped.outcome;
    }
    const written = this.tail.then(async () => {
      try {
        if (create && (this.uncommitted.has(event.uuid) || (await this.check(event.uuid)))) return undefined;
        let outcome: SaveOutcome;
        try {
          outcome = await this.saver.save(event, { onlyNew: create, ...edit, ...(analyst ? { analyst } : {}) });
        } catch (err) {
          // Another server on the same database stored the uuid first: the event exists, as for one stored here.
          if (create && (await this.check(event.uuid))) return undefined;
          throw err;
        }
        return this.noted(event, outcome);
      } finally {
        this.waiting--;
      }
    });
    this.tail = written.catch(() => undefined);
    let outcome: SaveOutcome | undefined;
    try {
      outcome = await written;
    } finally {
      // Whatever this write did (stored, found its uuid taken, failed), the transaction it may have opened,
      // or that earlier writes wait on, must end: the last write in line schedules the commit.
      if (this.waiting === 0) this.flushSoon();
    }
    if (outcome === undefined) return undefined;
    await (this.commit ?? this.openCommit()).promise;
    return outcome;
  }

  private noted(event: MispEvent, outcome: SaveOutcome): SaveOutcome | undefined {
    if (this.pending.attributes === 0) this.pending.since = Date.now();
    this.pending.attributes += attributesOf(event) || 1;
    if (outcome.status === 'exists') return undefined;
    this.uncommitted.add(event.uuid);
    return outcome;
  }

  /** New events (events/add) that reached the server meanwhile, to be written together. */
  private group: Array<{ event: MispEvent; resolve: (o: Grouped) => void; reject: (e: unknown) => void }> = [];

  /**
   * Writes a new event with the others that came meanwhile, in one turn (EventSaver.saveMany): on
   * PostgreSQL a group shares each statement instead of paying some fifteen round trips an event, and
   * one turn at the writers' lock (EVENT_WRITER_LOCK, taken to commit). The group commits at once, with
   * whatever the transaction held before it (unless a bulk writer holds commits back): the events that
   * came while it was written form the next group. Counted in `waiting` until written, as any write.
   */
  private inGroup(event: MispEvent): Promise<Grouped> {
    const written = new Promise<Grouped>((resolve, reject) => {
      this.group.push({ event, resolve, reject });
    });
    if (this.group.length === 1) {
      // The group closes when its turn comes: the writes before it in line give it time to gather.
      const done = this.tail.then(async () => {
        // The group gathers while the transaction opens. A failure to open is the group's (taken as it then stands), as a write's failure is.
        let opened: unknown;
        await this.saver.begin().catch((err: unknown) => { opened = err ?? new Error('the transaction could not be opened'); });
        const group = this.group;
        this.group = [];
        if (opened !== undefined) {
          // Nothing was written in a transaction that failed to open; what is left of it goes.
          await this.saver.abandon().catch(() => undefined);
          this.waiting -= group.length;
          for (const w of group) w.reject(opened);
          return;
        }
        // Answers are given once the group no longer counts as waiting: the last write in line schedules the commit.
        let answers: Array<() => void> = [];
        try {
          const outcomes = await this.saver.saveMany(group.map((w) => w.event), { onlyNew: true });
          const stored: Array<SaveOutcome | undefined | Error> = [];
          for (const [i, w] of group.entries()) {
            const o = outcomes[i]!;
            if (!(o instanceof Error)) stored.push(this.noted(w.event, o));
            // Another server on the same database stored the uuid first: the event exists, as for one stored here.
            else stored.push((await this.check(w.event.uuid).catch(() => false)) ? undefined : o);
          }
          const committed = !this.held();
          if (committed) {
            const commit = this.takeCommit();
            try {
              await this.commitNow();
              commit?.resolve();
            } catch (err) {
              commit?.reject(err);
              throw err;
            }
          }
          answers = group.map((w, i) => {
            const o = stored[i];
            return o instanceof Error ? () => w.reject(o) : () => w.resolve({ outcome: o, committed });
          });
        } catch (err) {
          answers.length = 0;
          for (const w of group) answers.push(() => w.reject(err));
        } finally {
          this.waiting -= group.length;
        }
        for (const answer of answers) answer();
      });
      this.tail = done.catch(() => undefined);
    }
    return written;
  }

  private openCommit() {
    let resolve!: () => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.commit = { promise, resolve, reject };
    return this.commit;
  }

  private scheduled = false;

  /**
   * Commits once the requests that reached the server meanwhile have had their turn: those whose
   * events are written by then share this commit instead of paying one each. Reads meanwhile see what
   * is committed (the embedded store reads on a connection of its own); a lone request waits one turn.
   */
  private flushSoon(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      // A write that came meanwhile schedules the commit again once it is done.
      if (this.waiting === 0) this.flush();
    });
  }

  /**
   * A bulk writer (a feed's fetch) holds commits back while it has more events coming: a commit
   * rewrites the random index pages its rows touched, so one per few events costs several times one
   * per tens of thousands of attributes. Requests writing meanwhile wait at most `maxMs` for their answer.
   */
  holdCommits(attributes: number, maxMs: number): () => void {
    const hold = { attributes, maxMs };
    this.holds.add(hold);
    return () => {
      if (!this.holds.delete(hold)) return;
      if (this.waiting === 0) this.flushSoon();
    };
  }

  /** Whether a hold asks the open transaction to wait for more writes; if so, a timer ends the wait. */
  private held(): boolean {
    if (this.holds.size === 0 || this.pending.attributes === 0) return false;
    const attributes = Math.min(...[...this.holds].map((h) => h.attributes));
    const maxMs = Math.min(...[...this.holds].map((h) => h.maxMs));
    const left = this.pending.since + maxMs - Date.now();
    if (this.pending.attributes >= attributes || left <= 0) return false;
    if (!this.holdTimer) {
      this.holdTimer = setTimeout(() => {
        this.holdTimer = undefined;
        if (this.waiting === 0) this.flushSoon();
      }, left);
    }
    return true;
  }

  /** The open transaction's commit, which its writers await, taken to be made now. */
  private takeCommit() {
    // The wait a hold set is for this transaction: the next one sets its own.
    clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    this.pending = { attributes: 0, since: 0 };
    const commit = this.commit;
    this.commit = undefined;
    return commit;
  }

  /** Commits the open transaction, in the turn of the write calling it. */
  private async commitNow(): Promise<void> {
    this.uncommitted.clear();
    await this.saver.flush();
  }

  private flush(): void {
    if (this.held()) return;
    const commit = this.takeCommit();
    const done = this.tail.then(() => this.commitNow());
    this.tail = done.catch(() => undefined);
    if (commit) done.then(commit.resolve, commit.reject);
    else done.catch(() => undefined);
  }
}
