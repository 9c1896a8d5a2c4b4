import type { Worker } from 'node:worker_threads';
import { parseMispEvent, type ParsedEvent, type ParseOptions } from '../../formats/misp-json/parse.js';
import type { Feed } from '../../store/feeds.js';
import { startModuleWorker } from '../import/parse-pool.js';
import { readFeedEvent } from './misp-event.js';

/** What the parsing thread is told once: the feed, its tag, how documents are read. */
export interface FeedParseSetup {
  feed: Feed;
  tag: string | undefined;
  options: ParseOptions;
}

export type FeedParseRequest = { setup: FeedParseSetup } | { id: number; uuid: string; text: string };

/** A feed event read: parsed, left out by the feed's rules, or unreadable (with why). */
export type FeedParseAnswer = { id: number; parsed: ParsedEvent } | { id: number; filtered: true } | { id: number; error: string };
export type FeedParsed = { parsed: ParsedEvent } | { filtered: true } | { error: string };

/**
 * Reads a MISP feed's event files (JSON, the feed's settings and rules, MISP's validation) on a worker
 * thread while the calling thread writes the events before them to the store: on two cores the two
 * overlap, and the writer spends its time on the store alone. With `inline` (or when the worker cannot
 * start) the same work runs here.
 */
export class FeedEventParser {
  private worker: Worker | undefined;
  private next = 0;
  private readonly waiting = new Map<number, (answer: FeedParsed) => void>();

  constructor(private readonly feed: Feed, private readonly tag: string | undefined, private readonly options: ParseOptions, inline = false) {
    if (inline) return;
    const here = import.meta.url;
    this.worker = startModuleWorker(new URL(here.endsWith('.ts') ? './feed-parse-worker.ts' : './feed-parse-worker.js', here));
    this.worker.postMessage({ setup: { feed, tag, options } } satisfies FeedParseRequest);
    this.worker.on('message', (a: FeedParseAnswer) => {
      const resolve = this.waiting.get(a.id);
      this.waiting.delete(a.id);
      const { id: _, ...answer } = a;
      resolve?.(answer as FeedParsed);
    });
    // A worker that fails answers every file waiting as unreadable, and the rest are read here.
    const fail = (why: string) => {
      this.worker = undefined;
      for (const resolve of this.waiting.values()) resolve({ error: why });
      this.waiting.clear();
    };
    this.worker.on('error', (err) => fail(`the parsing thread failed: ${err.message}`));
    this.worker.on('exit', (code) => fail(`the parsing thread stopped (exit code ${code})`));
  }

  /** One event file's text read as the feed makes it. */
  read(uuid: string, text: string): Promise<FeedParsed> {
    if (!this.worker) return Promise.resolve(this.here(uuid, text));
    const id = this.next++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.worker!.postMessage({ id, uuid, text } satisfies FeedParseRequest);
    });
  }

  private here(uuid: string, text: string): FeedParsed {
    try {
      const doc = readFeedEvent(text, uuid, this.feed, this.tag);
      return doc ? { parsed: parseMispEvent(doc, this.options) } : { filtered: true };
    } catch (err) {
      return { error: (err as Error).message };
    }
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }
}
