import type { MispEvent } from '../../model/event.js';
import type { EventSaver, SaveOptions, SaveOutcome } from '../../store/events/writer.js';
import type { PreparedEvents } from '../../store/events/new-events.js';
import type { EventWriter } from './pipeline.js';

/** Events, and attributes, written together at most (a group's statements carry them all). */
export const GROUP_EVENTS = 64;
const GROUP_ATTRIBUTES = 20_000;
/**
 * Attributes of the events in flight at most (runImport's attributesInFlight): a group being written and
 * the next one gathering, and no more, however large the events of a feed.
 */
export const GROUP_ATTRIBUTES_IN_FLIGHT = 2 * GROUP_ATTRIBUTES;

interface Waiting {
  event: MispEvent;
  resolve(outcome: SaveOutcome | undefined): void;
  reject(err: unknown): void;
}

const attributeCount = (e: MispEvent) => e.attributes.length + e.objects.reduce((n, o) => n + o.attributes.length, 0);

/**
 * The bulk import's writer on PostgreSQL: the events the pipeline has in flight at once (runImport's
 * concurrency, GROUP_EVENTS) are handed to the saver together (EventSaver.saveMany), so that their new
 * events share each statement instead of paying a round trip, a plan and a start each. A group is
 * written once it is full, or, when no group is being written, once the events that were ready have all
 * arrived (the next turn of the event loop); while one is written, the next gathers what comes. The saver is used by one write at a time, in the order the events came.
 */
export class GroupingWriter implements EventWriter {
  private group: Waiting[] = [];
  private attributes = 0;
  private scheduled = false;
  /** Groups handed to the saver and not yet written. */
  private writing = 0;
  private tail: Promise<unknown> = Promise.resolve();
  /** Whether the last group written created an event. */
  private lastCreated = true;

  constructor(private readonly saver: EventSaver) {}

  save(event: MispEvent, options: SaveOptions & { onlyNew: boolean }): Promise<SaveOutcome | undefined> {
    // Anything but a plain upsert is written alone, in its turn.
    if (options.onlyNew || options.localEdit || options.changedItems || options.analyst?.length) {
      this.writeGroup();
      return this.inTurn(async () => {
        const saved = await this.saver.save(event, options);
        return saved.status === 'exists' ? undefined : saved;
      });
    }
    return new Promise((resolve, reject) => {
      this.group.push({ event, resolve, reject });
      this.attributes += attributeCount(event);
      if (this.group.length >= GROUP_EVENTS || this.attributes >= GROUP_ATTRIBUTES) this.writeGroup();
      else if (!this.scheduled && this.writing === 0) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          if (this.writing === 0) this.writeGroup();
        });
      }
    });
  }

  /** Waits for every event handed over so far to be written (not committed: the saver's flush does that). */
  async drain(): Promise<void> {
    this.writeGroup();
    await this.tail;
  }

  private writeGroup(): void {
    if (this.group.length === 0) return;
    const group = this.group;
    this.group = [];
    this.attributes = 0;
    this.writing++;
    const events = group.map((w) => w.event);
    // Prepared now, while the group before may still be on the server; not when the last group held no
    // new event (a feed imported again), as the work would be thrown away.
    let prepared: PreparedEvents | undefined;
    try {
      prepared = this.lastCreated ? this.saver.prepare(events) : undefined;
    } catch {
      // Whatever fails here fails again in the write itself, which tells each event: not prepared.
      prepared = undefined;
    }
    this.inTurn(async () => {
      const outcomes = await this.saver.saveMany(events, prepared ? { prepared } : {});
      this.lastCreated = outcomes.some((o) => !(o instanceof Error) && o.status === 'created');
      outcomes.forEach((o, i) => {
        if (o instanceof Error) group[i]!.reject(o);
        else group[i]!.resolve(o.status === 'exists' ? undefined : o);
      });
    }).catch((err: unknown) => { for (const w of group) w.reject(err); }).finally(() => {
      // The events that came while this group was written form the next one.
      if (--this.writing === 0) this.writeGroup();
    });
  }

  private inTurn<T>(write: () => Promise<T>): Promise<T> {
    const done = this.tail.then(write);
    this.tail = done.catch(() => undefined);
    return done;
  }
}
