import type { User } from '../../access/user.js';
import { mayViewFeed, mayViewFeedCorrelations } from '../../access/policy/feeds.js';
import { hostOrganisationId } from '../../store/access/organisations.js';
import type { Store } from '../../store/db/database.js';
import { feedHits } from '../../store/feed-values.js';
import { listFeeds, type Feed } from '../../store/feeds.js';
import { attributeHashes, lookupHashes } from './cache.js';

type Doc = Record<string, unknown>;

/** A feed as an attribute's feed hit names it (MISP's `Feed` entries). */
interface FeedRef {
  id: string;
  name: string;
  url: string;
  provider: string;
  source_format: string;
  lookup_visible: boolean;
  event_uuids?: string[];
}

const NON_CORRELATING = new Set(['comment', 'text', 'other', 'hex', 'attachment', 'malware-sample', 'float', 'counter', 'datetime', 'port', 'boolean', 'cpe', 'anonymised']);

/** The caching feeds a user may see, for looking up feed hits: read once for a whole export. */
export interface FeedLookup {
  store: Store;
  feeds: ReadonlyMap<number, Feed>;
}

/**
 * The feeds whose hits a user is shown: those caching that he may see; undefined when there are none,
 * or when his role lacks perm_view_feed_correlations (every feed hit of the API passes here).
 */
export async function feedLookupFor(store: Store, user: User): Promise<FeedLookup | undefined> {
  if (!mayViewFeedCorrelations(user)) return undefined;
  const host = await hostOrganisationId(store);
  const feeds = new Map((await listFeeds(store)).filter((f) => f.cachingEnabled && mayViewFeed(user, host, f)).map((f) => [f.id, f]));
  return feeds.size === 0 ? undefined : { store, feeds };
}

/**
 * MISP's includeFeedCorrelations on an event document (events/view, events/restSearch): each attribute
 * (objects' included) whose value a cached feed the user may see holds gets `Feed`, and the event the
 * list of those feeds.
 */
export async function attachFeedHits(store: Store, user: User, event: Doc): Promise<void> {
  const lookup = await feedLookupFor(store, user);
  if (lookup) await attachFeedHitsWith(lookup, eventAttributes(event), event);
}

/** The attributes of an event document, its objects' included. */
export function eventAttributes(event: Doc): Doc[] {
  return [
    ...((event.Attribute as Doc[] | undefined) ?? []),
    ...((event.Object as Doc[] | undefined) ?? []).flatMap((o) => (o.Attribute as Doc[] | undefined) ?? []),
  ];
}

/**
 * MISP's attachFeedCorrelations: each attribute document whose value a feed of the lookup holds gets
 * `Feed` (the feeds, with `event_uuids`, the feed events holding it, for MISP feeds), and the event
 * document, when given, the list of those feeds with all their events. Attributes with correlation
 * disabled and types that never correlate are not looked up. One query for all the attributes given.
 */
export async function attachFeedHitsWith(lookup: FeedLookup, attributes: readonly Doc[], event?: Doc): Promise<void> {
  const { store, feeds } = lookup;
  const hashesOf = new Map<Doc, number[]>();
  for (const a of attributes) {
    if (typeof a.type !== 'string' || typeof a.value !== 'string' || a.disable_correlation === true || NON_CORRELATING.has(a.type)) continue;
    const parts = [a.value];
    // Feeds often list URLs without their scheme: a URL is looked up without it too, as MISP does.
    if ((a.type === 'url' || a.type === 'uri') && a.value.includes('://')) parts.push(a.value.slice(a.value.indexOf('://') + 3));
    hashesOf.set(a, parts.flatMap((p) => attributeHashes(a.type as string, p)));
  }
  const hits = await feedHits(store, [...hashesOf.values()].flat(), [...feeds.keys()]);
  if (hits.length === 0) return;
  const byHash = new Map<number, typeof hits>();
  for (const h of hits) byHash.set(h.hash, [...(byHash.get(h.hash) ?? []), h]);
  const eventFeeds = new Map<number, FeedRef>();
  const ref = (id: number): FeedRef => {
    const f = feeds.get(id)!;
    return { id: String(f.id), name: f.name, url: f.url, provider: f.provider, source_format: f.sourceFormat, lookup_visible: f.lookupVisible };
  };
  for (const [a, hashes] of hashesOf) {
    const mine = new Map<number, FeedRef>();
    for (const h of hashes.flatMap((x) => byHash.get(x) ?? [])) {
      const entry = mine.get(h.feedId) ?? ref(h.feedId);
      mine.set(h.feedId, entry);
      const all = eventFeeds.get(h.feedId) ?? ref(h.feedId);
      eventFeeds.set(h.feedId, all);
      if (h.eventUuid) {
        if (!(entry.event_uuids ??= []).includes(h.eventUuid)) entry.event_uuids.push(h.eventUuid);
        if (!(all.event_uuids ??= []).includes(h.eventUuid)) all.event_uuids.push(h.eventUuid);
      }
    }
    if (mine.size) a.Feed = [...mine.values()];
  }
  if (event && eventFeeds.size) event.Feed = [...eventFeeds.values()];
}

/** The caching feeds holding a value (the operator's look: every feed), with the feed events holding it. */
export async function feedsHolding(store: Store, value: string): Promise<Array<{ id: number; name: string; eventUuids: string[] }>> {
  const feeds = new Map((await listFeeds(store)).filter((f) => f.cachingEnabled).map((f) => [f.id, f]));
  const out = new Map<number, { id: number; name: string; eventUuids: string[] }>();
  for (const h of await feedHits(store, lookupHashes([value]), [...feeds.keys()])) {
    const entry = out.get(h.feedId) ?? { id: h.feedId, name: feeds.get(h.feedId)!.name, eventUuids: [] };
    out.set(h.feedId, entry);
    if (h.eventUuid && !entry.eventUuids.includes(h.eventUuid)) entry.eventUuids.push(h.eventUuid);
  }
  return [...out.values()];
}
