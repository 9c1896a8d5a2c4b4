import type { Viewer } from '../../access/viewer.js';
import type { JsonObject } from '../../formats/misp-json/coerce.js';
import { serializeMispEvent, serializeStoredEvent } from '../../formats/misp-json/serialize.js';
import type { StoredEvent } from '../../model/event.js';
import type { Store } from '../../store/db/database.js';
import type { CorrelationSettings } from '../../store/settings.js';
import { eventRelations } from '../search/related.js';
import { withEventAnalystData } from '../analyst-data/document.js';
import type { DecayScorer } from '../decay/scores.js';
import { attachFeedHitsWith, eventAttributes, type FeedLookup } from '../feeds/hits.js';

/**
 * How a MISP JSON document of events is laid out. restSearch answers `{"response": [...]}` with each
 * event's local id; the CLI writes one event per line inside the same wrapper (streamable, diffable, and
 * without local ids, which mean nothing to the instance that imports it), or one event alone, indented.
 */
export type EventJsonLayout = 'response' | 'lines' | 'single';

const LAYOUTS: Record<EventJsonLayout, { open: string; first: string; between: string; close: string; localIds: boolean; indent?: number }> = {
  response: { open: '{"response": [', first: '', between: ',', close: ']}', localIds: true },
  lines: { open: '{"response": [', first: '\n', between: ',\n', close: '\n]}\n', localIds: false },
  single: { open: '', first: '', between: '', close: '\n', localIds: false, indent: 2 },
};

/** Adds MISP's includeCorrelations members to a serialised event: RelatedEvent, and RelatedAttribute on each attribute. */
function withRelations(event: JsonObject, relations: Awaited<ReturnType<typeof eventRelations>>): void {
  event.RelatedEvent = relations.relatedEvents;
  const attributes = [...(event.Attribute as JsonObject[]), ...(event.Object as JsonObject[]).flatMap((o) => o.Attribute as JsonObject[])];
  for (const a of attributes) {
    const related = relations.byAttribute.get(a.uuid as string);
    if (related) a.RelatedAttribute = related;
  }
}

/** Adds each attribute's decay scores (includeDecayScore), weighing its own tags and the event's, as MISP's fetchEvent. */
export async function withDecayScores(doc: Record<string, unknown>, event: StoredEvent, scorer: DecayScorer): Promise<void> {
  const eventTags = event.tags.map((t) => t.name);
  const attributes = [...event.attributes, ...event.objects.flatMap((o) => o.attributes)].filter((a) => a.id !== undefined);
  const scores = await scorer.scores(attributes.map((a) => ({
    id: a.id!, type: a.type, timestamp: a.timestamp, lastSeen: a.last_seen, tags: a.tags.map((t) => t.name), eventTags,
  })));
  if (scores.size === 0) return;
  const byUuid = new Map(attributes.flatMap((a) => (scores.has(a.id!) ? [[a.uuid, scores.get(a.id!)!] as const] : [])));
  const list = (v: unknown) => (Array.isArray(v) ? (v as Array<Record<string, unknown>>) : []);
  for (const a of [...list(doc.Attribute), ...list(doc.Object).flatMap((o) => list(o.Attribute))]) {
    const s = byUuid.get(a.uuid as string);
    if (s) a.decay_score = s;
  }
}

export interface EventJsonOptions {
  layout: EventJsonLayout;
  /** With the correlation settings, each event carries what correlates with it, as MISP's includeCorrelations. */
  correlations?: { store: Store; viewer: Viewer; settings: CorrelationSettings };
  /** Each event carries the notes, opinions and relationships the viewer may see, as MISP's includeAnalystData. */
  analystData?: { store: Store; viewer: Viewer };
  /** Each attribute carries its decay scores, as MISP's includeDecayScore. */
  decay?: DecayScorer;
  /** Each attribute names the cached feeds holding its value, and the event all of them (MISP's includeFeedCorrelations). */
  feeds?: FeedLookup;
}

/** MISP JSON of events, as text, a piece per event. */
export async function* eventJsonText(events: AsyncIterable<StoredEvent>, options: EventJsonOptions): AsyncGenerator<string> {
  const layout = LAYOUTS[options.layout];
  if (layout.open) yield layout.open;
  let first = true;
  for await (const event of events) {
    const a = options.analystData;
    const source = a ? await withEventAnalystData(a.store, a.viewer, event) : event;
    const doc = layout.localIds ? serializeStoredEvent(source) : serializeMispEvent(source);
    const c = options.correlations;
    if (c) withRelations(doc.Event, await eventRelations(c.store, c.viewer, event.id, c.settings));
    if (options.decay) await withDecayScores(doc.Event, event, options.decay);
    if (options.feeds) await attachFeedHitsWith(options.feeds, eventAttributes(doc.Event as Record<string, unknown>), doc.Event as Record<string, unknown>);
    yield `${first ? layout.first : layout.between}${JSON.stringify(doc, null, layout.indent)}`;
    first = false;
  }
  yield layout.close;
}
