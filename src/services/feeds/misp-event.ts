import type { Feed } from '../../store/feeds.js';
import { isObject } from '../../formats/misp-json/coerce.js';
import type { FeedRules } from './config.js';
import { readRules } from './config.js';
import { FeedSourceError } from './source.js';

type Json = Record<string, unknown>;

/**
 * A MISP feed's event as the feed's settings make it, from its file's text: pure, so that a fetch
 * runs it on the parsing thread (feed-parse-worker.ts) as well as here.
 */

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

/**
 * One event file of a MISP feed read: the document as the feed's settings make it, or undefined when
 * the feed's rules leave it out. Throws FeedSourceError for a file that is no event.
 */
export function readFeedEvent(text: string, uuid: string, feed: Feed, tag?: string): Json | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new FeedSourceError(`${uuid}.json is not JSON: ${(err as Error).message}`);
  }
  const prepared = prepareFeedEvent(doc, feed, tag);
  if (!prepared) throw new FeedSourceError(`${uuid}.json holds no event`);
  const { tags, orgc } = eventFacets(prepared);
  return passesRules(readRules(feed.rules), tags, orgc) ? prepared : undefined;
}
