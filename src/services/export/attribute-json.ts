import type { Viewer } from '../../access/viewer.js';
import type { Store } from '../../store/db/database.js';
import { searchAttributes, type AttributeHit } from '../../store/search/attributes.js';
import { tagsOfHits, type HitTag } from '../../store/search/hit-extras.js';
import type { CorrelationSettings } from '../../store/settings.js';
import { listSightings } from '../../store/sightings.js';
import { eventRelations } from '../search/related.js';
import type { ScoredHit } from '../search/attributes.js';
import type { DecayScoreDocument } from '../decay/scores.js';
import { attachFeedHitsWith, type FeedLookup } from '../feeds/hits.js';

/** An attribute's event as attributes/restSearch lists it under the attribute. */
const eventEssentials = (h: AttributeHit) => ({
  org_id: String(h.eventOrgId), distribution: String(h.eventDistribution), id: String(h.eventId), info: h.eventInfo,
  orgc_id: String(h.eventOrgcId), uuid: h.eventUuid,
});

/**
 * An attribute as attributes/restSearch answers it, with its event's essentials: `events`, when given,
 * keeps them by event id, so that the attributes of a page share one record per event.
 */
export function attributeDocument(h: AttributeHit, events?: Map<number, ReturnType<typeof eventEssentials>>) {
  let event = events?.get(h.eventId);
  if (!event) {
    event = eventEssentials(h);
    events?.set(h.eventId, event);
  }
  return {
    id: String(h.id), event_id: String(h.eventId), object_id: String(h.objectId ?? 0), object_relation: h.objectRelation,
    category: h.category, type: h.type, to_ids: h.to_ids, uuid: h.uuid, timestamp: String(h.timestamp),
    distribution: String(h.distribution), sharing_group_id: String(h.sharingGroupId ?? 0), comment: h.comment, deleted: h.deleted,
    disable_correlation: h.disableCorrelation, first_seen: h.firstSeen, last_seen: h.lastSeen, value: h.value,
    Event: event,
  };
}

type TagDocument = { id: string; name: string; colour: string; exportable: boolean; hide_tag: boolean; local: boolean; relationship_type: string; inherited?: number };
type SightingDocument = {
  id: string; attribute_id: string; event_id: string; org_id: string; uuid: string; type: string; date_sighting: string; source: string;
  Organisation?: { id: string; uuid: string; name: string };
};
type AttributeDocument = ReturnType<typeof attributeDocument> & {
  event_uuid?: string; Tag?: TagDocument[]; RelatedAttribute?: AttributeDocument[]; Sighting?: SightingDocument[]; decay_score?: DecayScoreDocument[];
  Feed?: unknown[];
};

export interface AttributeJsonOptions {
  /** The store each attribute's tags are read from (what MISP's attributes/restSearch lists under `Tag`). */
  store: Store;
  /** Each attribute's list also holds its event's tags (MISP's includeEventTags). */
  eventTags?: boolean;
  /** Each attribute names its event's uuid as `event_uuid` (MISP's includeEventUuid). */
  eventUuid?: boolean;
  /** Each attribute lists its sightings this viewer may see (MISP's includeSightings). */
  sightingsFor?: Viewer;
  /**
   * With the correlation settings, each attribute carries, as MISP's includeCorrelations, the attributes of
   * other events that share a value with it, each with its event: those the viewer may see.
   */
  correlations?: { store: Store; viewer: Viewer; settings: CorrelationSettings };
  /** Each attribute names the cached feeds holding its value (MISP's includeFeedCorrelations), a query a page. */
  feeds?: FeedLookup;
}

const tagDocument = (t: HitTag): TagDocument => ({
  id: String(t.id), name: t.name, colour: t.colour, exportable: t.exportable, hide_tag: t.hideTag, local: t.local,
  relationship_type: t.relationshipType ?? '', ...(t.inherited ? { inherited: 1 } : {}),
});

/** The options that add objects of their own to each attribute (read per page, then attached): the documents are built whole. */
const attaches = (options: AttributeJsonOptions) => Boolean(options.sightingsFor || options.correlations || options.feeds);

/** What the listing says of each attribute beside its own document: its event's uuid, its tags. */
type Extras = Pick<AttributeJsonOptions, 'eventUuid'>;

/** A hit's document with what every listing adds, before what options attach per page. */
export function hitDocument(h: ScoredHit, options: Extras, tags: readonly HitTag[] | undefined, events?: Map<number, ReturnType<typeof eventEssentials>>): AttributeDocument {
  const d: AttributeDocument = attributeDocument(h, events);
  if (options.eventUuid) d.event_uuid = h.eventUuid;
  if (tags?.length) d.Tag = tags.map(tagDocument);
  if (h.decayScore) d.decay_score = h.decayScore;
  return d;
}

async function documentsOf(hits: ScoredHit[], options: AttributeJsonOptions, tags: Map<number, HitTag[]>): Promise<AttributeDocument[]> {
  const events = new Map<number, ReturnType<typeof eventEssentials>>();
  const docs = hits.map((h) => hitDocument(h, options, tags.get(h.id), events));
  if (options.sightingsFor) {
    const byAttribute = new Map<string, SightingDocument[]>();
    for (const r of await listSightings(options.store, options.sightingsFor, { attributeIds: hits.map((h) => h.id) })) {
      const doc: SightingDocument = {
        id: String(r.id), attribute_id: String(r.attributeId), event_id: String(r.eventId), org_id: String(r.orgId ?? 0), uuid: r.uuid,
        type: String(r.type), date_sighting: String(r.dateSighting), source: r.source,
        ...(r.orgName && r.orgUuid ? { Organisation: { id: String(r.orgId), uuid: r.orgUuid, name: r.orgName } } : {}),
      };
      byAttribute.set(doc.attribute_id, [...(byAttribute.get(doc.attribute_id) ?? []), doc]);
    }
    for (const d of docs) d.Sighting = byAttribute.get(d.id) ?? [];
  }
  const c = options.correlations;
  if (c) {
    const links = new Map<string, string[]>();
    for (const eventId of new Set(hits.map((h) => h.eventId))) {
      const { byAttribute } = await eventRelations(c.store, c.viewer, eventId, c.settings);
      for (const d of docs) if (d.event_id === String(eventId)) links.set(d.uuid, (byAttribute.get(d.uuid) ?? []).map((r) => r.uuid));
    }
    // The related attributes themselves, read through the viewer's policy like any search.
    const wanted = [...new Set([...links.values()].flat())];
    const found = wanted.length ? await searchAttributes(c.store, c.viewer, { uuids: wanted }) : [];
    const byUuid = new Map(found.map((h) => [h.uuid, h]));
    for (const d of docs) {
      d.RelatedAttribute = (links.get(d.uuid) ?? []).flatMap((u) => {
        const h = byUuid.get(u);
        return h ? [attributeDocument(h)] : [];
      });
    }
  }
  if (options.feeds) await attachFeedHitsWith(options.feeds, docs as unknown as Array<Record<string, unknown>>);
  return docs;
}

const nullable = (s: string | null) => (s === null ? 'null' : JSON.stringify(s));

/**
 * JSON.stringify(attributeDocument(h)) written out, its closing brace left off for what follows, and
 * `event` the text of its Event block. A frequent value's answer is tens of thousands of these: built
 * as objects and then stringified, each attribute cost two objects and a dozen strings more, and the
 * collecting of them was a quarter of the answer's time. The keys, their order and the escaping of
 * every string are JSON.stringify's (test/unit/attribute-json.test.ts compares the two).
 */
function attributeOpening(h: AttributeHit, event: string): string {
  return `{"id":"${h.id}","event_id":"${h.eventId}","object_id":"${h.objectId ?? 0}","object_relation":${nullable(h.objectRelation)},`
    + `"category":${JSON.stringify(h.category)},"type":${JSON.stringify(h.type)},"to_ids":${h.to_ids},"uuid":"${h.uuid}",`
    + `"timestamp":"${h.timestamp}","distribution":"${h.distribution}","sharing_group_id":"${h.sharingGroupId ?? 0}",`
    + `"comment":${JSON.stringify(h.comment)},"deleted":${h.deleted},"disable_correlation":${h.disableCorrelation},`
    + `"first_seen":${nullable(h.firstSeen)},"last_seen":${nullable(h.lastSeen)},"value":${JSON.stringify(h.value)},"Event":${event}`;
}

/**
 * JSON.stringify(hitDocument(h, options, tags)), written out; `events` keeps the text of each event's
 * block, which the attributes of a page share.
 */
export function hitText(h: ScoredHit, options: Extras, tags: readonly HitTag[] | undefined, events: Map<number, string>): string {
  let event = events.get(h.eventId);
  if (event === undefined) events.set(h.eventId, (event = JSON.stringify(eventEssentials(h))));
  let text = attributeOpening(h, event);
  if (options.eventUuid) text += `,"event_uuid":${JSON.stringify(h.eventUuid)}`;
  if (tags?.length) text += `,"Tag":${JSON.stringify(tags.map(tagDocument))}`;
  if (h.decayScore) text += `,"decay_score":${JSON.stringify(h.decayScore)}`;
  return `${text}}`;
}

/** Each hit of a page as the JSON text of its document (what JSON.stringify makes of documentsOf's), in order. */
async function documentTexts(hits: ScoredHit[], options: AttributeJsonOptions): Promise<string[]> {
  const tags = await tagsOfHits(options.store, hits, { eventTags: options.eventTags ?? false });
  if (attaches(options)) return (await documentsOf(hits, options, tags)).map((d) => JSON.stringify(d));
  const events = new Map<number, string>();
  return hits.map((h) => hitText(h, options, tags.get(h.id), events));
}

/** Attributes written per piece of text: 250 as JSON are a few milliseconds of work. */
const PIECE = 250;

/**
 * attributes/restSearch's JSON, as text. An answer of one page is one piece, which the API sends whole;
 * a longer one is a piece per page, so that a search of a million attributes answers at once and holds
 * one page.
 */
export async function* attributeJsonText(pages: AsyncIterable<ScoredHit[]>, options: AttributeJsonOptions): AsyncGenerator<string> {
  const it = pages[Symbol.asyncIterator]();
  const first = await it.next();
  const firstPage = first.done ? [] : first.value;
  const second = first.done ? first : await it.next();
  if (second.done) {
    // What JSON.stringify({ response: { Attribute: documents } }) writes.
    yield `{"response":{"Attribute":[${(await documentTexts(firstPage, options)).join(',')}]}}`;
    return;
  }
  async function* all(): AsyncGenerator<ScoredHit[]> {
    yield firstPage;
    for (let next = second; !next.done; next = await it.next()) yield next.value;
  }
  yield '{"response": {"Attribute": [';
  // The next page and its tags are asked for before this page's text is written: on PostgreSQL the
  // server reads them meanwhile, and a long answer waits on no round trip but the first.
  const pageIt = all();
  const nextDocs = async () => {
    const next = await pageIt.next();
    return next.done ? undefined : documentTexts(next.value, options);
  };
  let separator = '';
  let pending = nextDocs();
  try {
    for (let texts = await pending; texts; texts = await pending) {
      pending = nextDocs();
      // A piece is a short turn of the event loop (sendExport gives one to other requests between pieces).
      for (let i = 0; i < texts.length; i += PIECE) {
        yield `${separator}${texts.slice(i, i + PIECE).join(',')}`;
        separator = ',';
      }
    }
  } finally {
    // A reader that stops early leaves the page read ahead: its failure is nobody's.
    pending.catch(() => undefined);
  }
  yield ']}}';
}
