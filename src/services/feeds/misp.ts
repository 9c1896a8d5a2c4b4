import type { Feed } from '../../store/feeds.js';
import { storedEventTimestamps } from '../../store/feed-values.js';
import { isObject } from '../../formats/misp-json/coerce.js';
import { parseOptionsFor, runImport } from '../import/pipeline.js';
import type { ParsedItem } from '../import/parsed-event.js';
import { readRules } from './config.js';
import { passesRules, readFeedEvent } from './misp-event.js';
import { FeedEventParser, type FeedParsed } from './feed-parser.js';
import { readFeedFile, FeedSourceError } from './source.js';
import { countEntry, emptyResult, feedActor, feedTag, type FeedRunContext, type FeedRunResult } from './run.js';

type Json = Record<string, unknown>;

export { passesRules, prepareFeedEvent } from './misp-event.js';

/** A manifest entry: what a MISP feed says of an event without the event itself. */
export interface ManifestEntry {
  uuid: string;
  info: string;
  timestamp: number;
  orgc: string;
  tags: string[];
  raw: Json;
}

/** The manifest of a MISP feed (`manifest.json`: event uuid → its summary). */
export function parseManifest(text: string): ManifestEntry[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new FeedSourceError(`manifest.json is not JSON: ${(err as Error).message}`);
  }
  if (!isObject(doc)) throw new FeedSourceError('manifest.json is not an object of events by uuid');
  return Object.entries(doc).filter(([, v]) => isObject(v)).map(([uuid, v]) => {
    const e = v as Json;
    const orgc = (isObject(e.Orgc) ? e.Orgc : isObject(e.orgc) ? e.orgc : {}) as Json;
    const tags = Array.isArray(e.Tag) ? e.Tag.filter(isObject).map((t) => String((t as Json).name ?? '')) : [];
    return { uuid: uuid.toLowerCase(), info: String(e.info ?? ''), timestamp: Number(e.timestamp ?? 0), orgc: String(orgc.name ?? ''), tags, raw: e };
  });
}

/** Reads a MISP feed's manifest, keeping the events the rules let through. */
export async function feedManifest(ctx: FeedRunContext, feed: Feed, since?: { etag: string | null; lastModified: string | null }) {
  const file = await readFeedFile(feed, 'manifest.json', ctx.source, since);
  if (file.status === 'not-modified') return { status: 'not-modified' as const };
  const rules = readRules(feed.rules);
  const all = parseManifest(file.text);
  const kept = all.filter((e) => passesRules(rules, e.tags, e.orgc));
  return { status: 'ok' as const, entries: kept, filtered: all.length - kept.length, etag: file.etag, lastModified: file.lastModified };
}

/** One event of a MISP feed, as the feed's settings make it; undefined when the rules leave it out. */
export async function feedEvent(ctx: FeedRunContext, feed: Feed, uuid: string, tag?: string): Promise<Json | undefined> {
  const file = await readFeedFile(feed, `${uuid}.json`, ctx.source);
  if (file.status !== 'ok') return undefined;
  return readFeedEvent(file.text, uuid, feed, tag);
}

/**
 * Events of a MISP feed imported at once: the server's write queue commits them together, so that a
 * large feed pays one commit for many events rather than one each (the manifest names each uuid once).
 * A commit rewrites every index page its rows touched, and with random uuids that is most of the
 * index whatever the batch: a commit of some tens of thousands of attributes costs little more than
 * one of a few thousand. Past the attribute budget no more events are let in, so that a feed of huge
 * events does not hold them all in memory.
 */
const EVENTS_AT_ONCE = 8;
const MAX_EVENTS_AT_ONCE = 512;
const ATTRIBUTES_AT_ONCE = 40_000;
/** The longest a commit waits for the feed's next events (and a request writing meanwhile for its answer). */
const HOLD_COMMIT_MS = 1000;

/**
 * Fetches a MISP feed: the manifest (a conditional request: unchanged since the last complete run,
 * nothing more is asked), then only the events that are new or newer than the stored copy, each
 * imported through the one pipeline as the host organisation's, several at once and a few more downloaded ahead.
 */
export async function fetchMispFeed(ctx: FeedRunContext, feed: Feed): Promise<{ result: FeedRunResult; validators?: { etag: string | null; lastModified: string | null } }> {
  const result = emptyResult(feed, 'fetch');
  const manifest = await feedManifest(ctx, feed, { etag: feed.etag, lastModified: feed.lastModified });
  if (manifest.status === 'not-modified') return { result: { ...result, outcome: 'not-modified' } };
  result.events.filtered = manifest.filtered;
  const stored = await storedEventTimestamps(ctx.store, manifest.entries.map((e) => e.uuid));
  const wanted = manifest.entries.filter((e) => {
    const t = stored.get(e.uuid);
    if (t !== undefined && t >= e.timestamp) {
      result.events.unchanged++;
      return false;
    }
    return true;
  });
  const actor = await feedActor(ctx.store);
  const tag = await feedTag(ctx.store, feed);
  const options = parseOptionsFor(actor, 0);
  // One event alone is read here; more are read on a worker thread while this one writes.
  const parser = new FeedEventParser(feed, tag, options, wanted.length < 2);
  const download = async (uuid: string): Promise<{ uuid: string } & FeedParsed> => {
    try {
      const file = await readFeedFile(feed, `${uuid}.json`, ctx.source);
      return { uuid, ...(file.status === 'ok' ? await parser.read(uuid, file.text) : { filtered: true as const }) };
    } catch (err) {
      return { uuid, error: (err as Error).message };
    }
  };
  async function* items(): AsyncGenerator<ParsedItem> {
    const AHEAD = 2 * EVENTS_AT_ONCE;
    const pending = wanted.slice(0, AHEAD).map((e) => download(e.uuid));
    try {
      for (let i = 0; i < wanted.length; i++) {
        const next = wanted[i + AHEAD];
        if (next) pending.push(download(next.uuid));
        const got = await pending.shift()!;
        if ('error' in got) result.errors.push(`${got.uuid}: ${got.error}`);
        else if ('filtered' in got) result.events.filtered++;
        else yield { source: `${got.uuid}.json`, parsed: got.parsed };
      }
    } finally {
      // No more events will come: the events written wait for no others to commit.
      release?.();
      await parser.close();
    }
  }
  const release = ctx.writer.holdCommits?.(ATTRIBUTES_AT_ONCE, HOLD_COMMIT_MS);
  try {
    await runImport(ctx.store, items(), { actor, writer: ctx.writer, concurrency: MAX_EVENTS_AT_ONCE, attributesInFlight: ATTRIBUTES_AT_ONCE, onEntry: (entry) => countEntry(result, entry) });
  } finally {
    release?.();
  }
  // The validators are kept only when every event was taken: otherwise the next run must ask again.
  const complete = result.errors.length === 0;
  return { result, ...(complete ? { validators: { etag: manifest.etag, lastModified: manifest.lastModified } } : {}) };
}
