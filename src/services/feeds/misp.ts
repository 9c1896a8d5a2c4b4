import type { Feed } from '../../store/feeds.js';
import { storedEventTimestamps } from '../../store/feed-values.js';
import { isObject } from '../../formats/misp-json/coerce.js';
import { parseMispEvent } from '../../formats/misp-json/parse.js';
import { parseOptionsFor, runImport } from '../import/pipeline.js';
import type { ParsedItem } from '../import/parsed-event.js';
import { readRules, type FeedRules } from './config.js';
import { readFeedFile, FeedSourceError } from './source.js';
import { countEntry, emptyResult, feedActor, feedTag, type FeedRunContext, type FeedRunResult } from './run.js';

type Json = Record<string, unknown>;

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

/**
 * MISP's pull rules of a feed: a tag (or the creator's name) must contain one of the OR terms when
 * there are any, and none of the NOT terms, compared without case.
 */
export function passesRules(rules: FeedRules, tags: readonly string[], orgc: string): boolean {
  const has = (names: readonly string[], terms: readonly string[]) => names.some((n) => terms.some((t) => n.toLowerCase().includes(t.toLowerCase())));
  if (rules.tags.OR.length && !has(tags, rules.tags.OR)) return false;
  if (rules.tags.NOT.length && has(tags, rules.tags.NOT)) return false;
  if (rules.orgs.OR.length && !has([orgc], rules.orgs.OR)) return false;
  if (rules.orgs.NOT.length && has([orgc], rules.orgs.NOT)) return false;
  return true;
}

/**
 * An event of the feed as the feed's settings make it (MISP's __prepareEvent): the feed's distribution
 * (5: the event's own, where it has one) with its items inheriting it, the feed's tag, to_ids off with
 * override_ids, published with publish (off with the unpublish_event setting).
 */
export function prepareFeedEvent(doc: unknown, feed: Feed, tag: string | undefined): Json | undefined {
  const outer = isObject(doc) && isObject(doc.response) ? doc.response : doc;
  const first = Array.isArray(outer) ? outer[0] : outer;
  const event = (isObject(first) && isObject(first.Event) ? first.Event : first) as Json | undefined;
  if (!isObject(event)) return undefined;
  if (isObject(event.orgc) && !isObject(event.Orgc)) event.Orgc = event.orgc;
  const attributes = Array.isArray(event.Attribute) ? event.Attribute.filter(isObject) as Json[] : [];
  const objects = Array.isArray(event.Object) ? event.Object.filter(isObject) as Json[] : [];
  const all = [...attributes, ...objects.flatMap((o) => (Array.isArray(o.Attribute) ? o.Attribute.filter(isObject) as Json[] : []))];
  if (!(feed.distribution === 5 && event.distribution !== undefined)) {
    event.distribution = feed.distribution === 5 ? 0 : feed.distribution;
    event.sharing_group_id = feed.distribution === 4 ? feed.sharingGroupId : 0;
    delete event.SharingGroup;
    for (const item of [...all, ...objects]) {
      item.distribution = 5;
      delete item.SharingGroup;
    }
  }
  if (tag) {
    const tags = Array.isArray(event.Tag) ? event.Tag : [];
    if (!tags.some((t) => isObject(t) && String(t.name).toLowerCase() === tag.toLowerCase())) tags.push({ name: tag });
    event.Tag = tags;
  }
  if (feed.overrideIds) for (const a of all) a.to_ids = false;
  if (feed.publish) event.published = true;
  const settings = feed.settings ? safeJson(feed.settings) : undefined;
  if (settings?.unpublish_event) event.published = false;
  if (settings?.disable_correlation) event.disable_correlation = true;
  return { Event: event };
}

function safeJson(text: string): Json | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return isObject(v) ? (v as Json) : undefined;
  } catch {
    return undefined;
  }
}

/** The tags and creator of a full event, for the rules. */
function eventFacets(doc: Json): { tags: string[]; orgc: string } {
  const e = doc.Event as Json;
  const tags = Array.isArray(e.Tag) ? e.Tag.filter(isObject).map((t) => String((t as Json).name ?? '')) : [];
  const orgc = isObject(e.Orgc) ? String((e.Orgc as Json).name ?? '') : '';
  return { tags, orgc };
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
  let doc: unknown;
  try {
    doc = JSON.parse(file.text);
  } catch (err) {
    throw new FeedSourceError(`${uuid}.json is not JSON: ${(err as Error).message}`);
  }
  const prepared = prepareFeedEvent(doc, feed, tag);
  if (!prepared) throw new FeedSourceError(`${uuid}.json holds no event`);
  const { tags, orgc } = eventFacets(prepared);
  return passesRules(readRules(feed.rules), tags, orgc) ? prepared : undefined;
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
  const download = (uuid: string) => feedEvent(ctx, feed, uuid, tag).then(
    (doc) => ({ uuid, doc }),
    (err: unknown) => ({ uuid, error: (err as Error).message }),
  );
  async function* items(): AsyncGenerator<ParsedItem> {
    const AHEAD = 2 * EVENTS_AT_ONCE;
    const pending = wanted.slice(0, AHEAD).map((e) => download(e.uuid));
    for (let i = 0; i < wanted.length; i++) {
      const next = wanted[i + AHEAD];
      if (next) pending.push(download(next.uuid));
      const got = await pending.shift()!;
      if ('error' in got) {
        result.errors.push(`${got.uuid}: ${got.error}`);
        continue;
      }
      if (!got.doc) {
        result.events.filtered++;
        continue;
      }
      yield { source: `${got.uuid}.json`, parsed: parseMispEvent(got.doc, options) };
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
