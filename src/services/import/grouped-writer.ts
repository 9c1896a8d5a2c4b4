import type { MispEvent } from '../../model/event.js';
import type { EventSaver, SaveOptions, SaveOutcome } from '../../store/events/writer.js';
import type { PreparedEvents } from '../../store/events/new-events.js';
import type { EventWriter } from './pipeline.js';

/** Events, and attributes, written together at most (a group's statements carry them all). */
export const GROUP_EVENTS = 64;
const GROUP_ATTRIBUTES = 20_000;

/**
 * What the pipeline may hold in flight (runImport's concurrency and attributesInFlight) for a writer of
 * this many lanes: a group being written on each lane and the next one gathering, and no more, however
 * large the events of a feed.
 */
export function groupsInFlight(lanes: number): { concurrency: number; attributesInFlight: number } {
  return { concurrency: (lanes + 1) * GROUP_EVENTS, attributesInFlight: (lanes + 1) * GROUP_ATTRIBUTES };
}

interface Waiting {
  event: MispEvent;
  resolve(outcome: SaveOutcome | undefined): void;
  reject(err: unknown): void;
}

/** One saver, its transaction and connection, and the writes queued on it. */
interface Lane {
  saver: EventSaver;
  tail: Promise<unknown>;
  /** Groups handed to this lane and not yet written. */
  writing: number;
  /** Whether the last group written here created an event. */
  lastCreated: boolean;
  /** The events of the groups handed to this lane and not yet written, by uuid. */
  queued: Set<string>;
}

/**
 * How long a lane may sit idle, its transaction open, while another lane is writing: then it commits.
 * The other may be waiting for a row this one holds (an attribute uuid two events claim), and nothing
 * else would end this transaction while the pipeline waits for that write.
 */
const IDLE_COMMIT_MS = 500;

const attributeCount = (e: MispEvent) => e.attributes.length + e.objects.reduce((n, o) => n + o.attributes.length, 0);

/**
 * The bulk import's writer on PostgreSQL: the events the pipeline has in flight at once are handed to a
 * saver together (EventSaver.saveMany), so that their new events share each statement instead of paying
 * a round trip, a plan and a start each. A group is written once it is full, or, when a lane is idle,
 * once the events that were ready have all arrived (the next turn of the event loop); while groups are
 * written, the next gathers what comes.
 *
 * Several savers (lanes), each with a transaction of its own, write groups at once: one backend doing all
 * the writing was the import's bound (issue 21: at 10^7 the backend spent 37.5 µs per attribute, Cairn
 * 27). Each lane commits on its own, taking the writers' turn to do so, as two servers writing one
 * database do: the values are created outside both transactions, their counts applied under the turn, so
 * correlations stay exact. A group holding an event that a lane holds (queued, or written in its open
 * transaction) goes to that lane: on another, its write would wait for that lane's commit. An item's
 * uuid met on two lanes at once (an attribute that two events claim) still makes one lane wait for the
 * other's commit (which comes within the saver's commitEveryMs, or at finish) before it finds the uuid
 * taken, as it would in turn.
 */
export class GroupingWriter implements EventWriter {
  private group: Waiting[] = [];
  private attributes = 0;
  private scheduled = false;
  private readonly lanes: Lane[];
  /** A commit of an idle lane that failed: finish() reports it. */
  private failure: unknown;

  constructor(savers: readonly EventSaver[]) {
    if (savers.length === 0) throw new Error('a grouping writer needs a saver');
    this.lanes = savers.map((saver) => ({ saver, tail: Promise.resolve(), writing: 0, lastCreated: true, queued: new Set<string>() }));
  }

  private get writing(): number {
    return this.lanes.reduce((n, l) => n + l.writing, 0);
  }

  save(event: MispEvent, options: SaveOptions & { onlyNew: boolean }): Promise<SaveOutcome | undefined> {
    // Anything but a plain upsert is written alone, in its turn, on the first lane.
    if (options.onlyNew || options.localEdit || options.changedItems || options.analyst?.length) {
      this.writeGroup();
      const lane = this.lanes[0]!;
      return this.inTurn(lane, async () => {
        const saved = await lane.saver.save(event, options);
        return saved.status === 'exists' ? undefined : saved;
      });
    }
    return new Promise((resolve, reject) => {
      this.group.push({ event, resolve, reject });
      this.attributes += attributeCount(event);
      if (this.group.length >= GROUP_EVENTS || this.attributes >= GROUP_ATTRIBUTES) this.writeGroup();
      else if (!this.scheduled && this.writing < this.lanes.length) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          if (this.writing < this.lanes.length) this.writeGroup();
        });
      }
    });
  }

  /**
   * Writes what is left and commits every lane, each as soon as its own writes are done: a lane waiting
   * for a row that another lane's open transaction holds goes on once that one commits.
   */
  async finish(): Promise<void> {
    this.writeGroup();
    const failures: unknown[] = [];
    await Promise.all(this.lanes.map(async (l) => {
      await l.tail;
      await l.saver.flush().catch((err: unknown) => failures.push(err));
    }));
    if (this.failure !== undefined) throw this.failure;
    if (failures.length > 0) throw failures[0];
  }

  /** Gives up every lane's uncommitted writes, each once its queued writes are done (as finish). */
  async abandon(): Promise<void> {
    // The import has failed: what is still gathering is not written, its callers gone.
    this.group = [];
    this.attributes = 0;
    await Promise.all(this.lanes.map(async (l) => {
      await l.tail;
      await l.saver.abandon().catch(() => undefined);
    }));
  }

  private writeGroup(): void {
    if (this.group.length === 0) return;
    const group = this.group;
    this.group = [];
    this.attributes = 0;
    const events = group.map((w) => w.event);
    // The lane that holds one of these events already, else the one with the least queued.
    const lane = this.lanes.find((l) => events.some((e) => l.queued.has(e.uuid) || l.saver.holdsEvent(e.uuid)))
      ?? this.lanes.reduce((a, b) => (b.writing < a.writing ? b : a));
    lane.writing++;
    for (const e of events) lane.queued.add(e.uuid);
    // Prepared now, while the group before may still be on the server; not when the last group held no
    // new event (a feed imported again), as the work would be thrown away.
    let prepared: PreparedEvents | undefined;
    try {
      prepared = lane.lastCreated ? lane.saver.prepare(events) : undefined;
    } catch {
      // Whatever fails here fails again in the write itself, which tells each event: not prepared.
      prepared = undefined;
    }
    this.inTurn(lane, async () => {
      const outcomes = await lane.saver.saveMany(events, prepared ? { prepared } : {});
      lane.lastCreated = outcomes.some((o) => !(o instanceof Error) && o.status === 'created');
      outcomes.forEach((o, i) => {
        if (o instanceof Error) group[i]!.reject(o);
        else group[i]!.resolve(o.status === 'exists' ? undefined : o);
      });
    }).catch((err: unknown) => { for (const w of group) w.reject(err); }).finally(() => {
      // Written now (the saver holds them until it commits), or failed.
      for (const e of events) lane.queued.delete(e.uuid);
      lane.writing--;
      // The events that came while groups were written form the next one.
      if (this.writing < this.lanes.length) this.writeGroup();
      if (lane.writing === 0) this.commitIfLeftIdle(lane);
    });
  }

  /** Commits the lane if it is still idle, and another lane still writing, in IDLE_COMMIT_MS. */
  private commitIfLeftIdle(lane: Lane): void {
    const othersWriting = () => this.lanes.some((l) => l !== lane && l.writing > 0);
    if (!othersWriting()) return;
    setTimeout(() => {
      if (lane.writing > 0 || !othersWriting()) return;
      this.inTurn(lane, () => lane.saver.flush()).catch((err: unknown) => { this.failure ??= err; });
    }, IDLE_COMMIT_MS).unref();
  }

  private inTurn<T>(lane: Lane, write: () => Promise<T>): Promise<T> {
    const done = lane.tail.then(write);
    lane.tail = done.catch(() => undefined);
    return done;
  }
}
