import { stixToEvents } from '../../formats/stix/import.js';
import { parseMispEvent } from '../../formats/misp-json/parse.js';
import type { Feed } from '../../store/feeds.js';
import { parseOptionsFor, runImport } from '../import/pipeline.js';
import type { ParsedItem } from '../import/parsed-event.js';
import { prepareFeedEvent } from './misp.js';
import { FeedSourceError, fetchFeedUrl } from './source.js';
import { countEntry, emptyResult, feedActor, feedTag, type FeedRunContext, type FeedRunResult } from './run.js';

const TAXII = 'application/taxii+json;version=2.1';

/** At most this many objects are read in one run; the cursor lets the next run go on from there. */
const MAX_OBJECTS = 100_000;

type Json = Record<string, unknown>;

/**
 * Fetches a TAXII 2.1 collection (the feed's url is the collection's): its objects added after the
 * cursor the last run left, page by page (`next`), read as STIX by the STIX importer and imported as the
 * host organisation's events with the feed's distribution, tag, publish and override_ids. The cursor
 * moves to the last object's date_added only once the run stored everything it read.
 */
export async function fetchTaxiiFeed(ctx: FeedRunContext, feed: Feed): Promise<{ result: FeedRunResult; cursor?: string }> {
  const result = emptyResult(feed, 'fetch');
  const base = `${feed.url.replace(/\/+$/, '')}/objects/`;
  const objects: Json[] = [];
  let last: string | undefined;
  let next: string | undefined;
  do {
    const q = new URLSearchParams();
    if (feed.cursor) q.set('added_after', feed.cursor);
    if (next) q.set('next', next);
    const page = await fetchFeedUrl(feed, `${base}${q.size ? `?${q}` : ''}`, ctx.source, TAXII);
    if (page.status !== 'ok') break;
    let envelope: { objects?: unknown; more?: unknown; next?: unknown };
    try {
      envelope = JSON.parse(page.text) as typeof envelope;
    } catch (err) {
      throw new FeedSourceError(`${base}: the answer is not JSON: ${(err as Error).message}`);
    }
    if (Array.isArray(envelope.objects)) objects.push(...envelope.objects.filter((o): o is Json => typeof o === 'object' && o !== null));
    last = page.headers?.get('x-taxii-date-added-last') ?? last;
    next = envelope.more === true && typeof envelope.next === 'string' ? envelope.next : undefined;
  } while (next && objects.length < MAX_OBJECTS);
  if (objects.length === 0) return { result: { ...result, outcome: 'not-modified' } };

  let read;
  try {
    read = stixToEvents({ type: 'bundle', id: `bundle--${feed.id}`, objects });
  } catch (err) {
    throw new FeedSourceError(`the collection's objects are not STIX 2.1: ${(err as Error).message}`);
  }
  for (const u of read.unmapped) result.errors.push(`${u.id}: ${u.reason}`);
  const actor = await feedActor(ctx.store);
  const tag = await feedTag(ctx.store, feed);
  const options = parseOptionsFor(actor, 0);
  const items: ParsedItem[] = read.events.map((doc) => ({ source: feed.url, parsed: parseMispEvent(prepareFeedEvent(structuredClone(doc), feed, tag), options) }));
  await runImport(ctx.store, items, { actor, writer: ctx.writer, onEntry: (entry) => countEntry(result, entry) });
  // Objects the importer could not place are reported but do not hold the cursor back: they would not place next time either.
  const stored = result.events.refused === 0;
  return { result, ...(stored && last ? { cursor: last } : {}) };
}
