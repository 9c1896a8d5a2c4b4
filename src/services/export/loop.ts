import type { Viewer } from '../../access/viewer.js';
import { withoutWarninglisted } from '../../correlation/warninglists/enforce.js';
import type { WarninglistIndex } from '../../correlation/warninglists/index.js';
import type { StoredEvent } from '../../model/event.js';
import type { Store } from '../../store/db/database.js';
import { loadEvent, visibleEventIds, type EventRef } from '../../store/events/reader.js';
import { searchEventIds, type AttributeFilter } from '../../store/search/attributes.js';
import { correlationSettings, type CorrelationSettings } from '../../store/settings.js';
import { readingStore } from '../../store/replicas/index.js';
import { ServiceError } from '../errors.js';
import { attributeHitPages, exportAttributePages, READ, scoredExportPages, scoredHitPages } from '../search/attributes.js';
import type { DecayScorer } from '../decay/scores.js';
import type { FeedLookup } from '../feeds/hits.js';
import type { RestQuery } from '../search/rest-query.js';
import { attributeJsonText } from './attribute-json.js';
import { eventContent, narrowsContent, type EventContent } from './event-content.js';
import { eventJsonText, type EventJsonLayout } from './event-json.js';
import { lineExporter, lineFormat, stixContainerOf, withDetectionDefaults } from './formats.js';
import { stixBundleText } from './stix.js';

/** Who exports, from which store, and how. */
export interface ExportContext {
  store: Store;
  viewer: Viewer;
  /** The enabled warninglists, when the export enforces them: their values are left out. */
  warninglists?: WarninglistIndex;
  /** The address rules point back to (`<baseUrl>/events/view/<id>`). */
  baseUrl: string;
  /** For includeCorrelations; read from the store when not given. */
  correlation?: CorrelationSettings;
  /** MISP JSON carries each attribute's decay scores (includeDecayScore); attributes/restSearch leaves out the decayed with excludeDecayed. */
  decay?: DecayScorer;
  /** MISP JSON's attributes name the cached feeds holding their value (includeFeedCorrelations): those of the lookup. */
  feeds?: FeedLookup;
}

/** Which events an export of events holds. */
export type EventSelection =
  /**
   * Those the filter finds, oldest first; the limit and offset count events (events/restSearch). `content`
   * narrows what each event holds, as the search asks.
   */
  | { matching: AttributeFilter; content?: EventContent }
  /** Every event the viewer may see, oldest first. */
  | { every: true }
  /** One event; a failure when the viewer may not see it. */
  | { ref: EventRef };

export interface ExportRequest {
  /** `json`, `stix2` (events only) or one of the line formats (csv, text, hashes, cache, suricata, snort, zeek, rpz). */
  format: string;
  /** attributes/restSearch exports attributes; events/restSearch and the CLI export events. */
  scope: { attributes: AttributeFilter } | { events: EventSelection };
  /** The query as sent: the formats' options (`requested_attributes`, `policy`, …) and whether it set to_ids or published. */
  options?: RestQuery;
  includeCorrelations?: boolean;
  /** MISP JSON of events carries the notes, opinions and relationships the viewer may see (MISP's includeAnalystData). */
  includeAnalystData?: boolean;
  /** MISP JSON of events leaves out the files of attachments and malware samples (restSearch without withAttachments). */
  withoutAttachments?: boolean;
  /** `report` (the default) or `grouping`: what each event of a STIX bundle becomes. */
  stixContainer?: unknown;
  /** How MISP JSON of events is laid out; restSearch's `response` by default. */
  jsonLayout?: EventJsonLayout;
}

/** An export ready to send: its media type, and its text a piece at a time. */
export interface Export {
  contentType: string;
  chunks: AsyncIterable<string>;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const STIX_TYPE = 'application/stix+json;version=2.1';

/**
 * The events of a selection, whole, as the viewer may see them, a stored event read at a time; without
 * the values on the context's warninglists.
 */
export async function* selectedEvents(ctx: ExportContext, selection: EventSelection | { event: StoredEvent }): AsyncGenerator<StoredEvent> {
  const lists = ctx.warninglists;
  if ('event' in selection) {
    yield withoutWarninglisted(selection.event, lists);
    return;
  }
  if ('ref' in selection) {
    const event = await loadEvent(ctx.store, ctx.viewer, selection.ref);
    if (event) yield withoutWarninglisted(event, lists);
    return;
  }
  const ids = 'every' in selection ? visibleEventIds(ctx.store, ctx.viewer) : await matchingEventIds(ctx, selection.matching);
  const content = 'matching' in selection && narrowsContent(selection.content) ? selection.content : undefined;
  const includeDeleted = content?.deleted === 'both' || content?.deleted === 'only';
  for await (const id of ids) {
    const event = await loadEvent(ctx.store, ctx.viewer, { id }, includeDeleted ? { includeDeleted } : {});
    if (event) yield withoutWarninglisted(content ? eventContent(event, content) : event, lists);
  }
}

function matchingEventIds(ctx: ExportContext, filter: AttributeFilter): Promise<number[]> {
  const { limit, offset, ...criteria } = filter;
  return searchEventIds(ctx.store, ctx.viewer, criteria, { ...(limit !== undefined ? { limit } : {}), ...(offset !== undefined ? { offset } : {}) });
}

/**
 * The one export loop: a request in any format, over attributes or events, as text. Whatever can be
 * refused (an unknown format, an option a format does not take, an event the viewer may not see) is
 * refused here, before the first piece, so that the caller can still answer with a failure; the text
 * then streams, a page of attributes or one event at a time, whatever the size of the export.
 */
export async function prepareExport(given: ExportContext, request: ExportRequest): Promise<Export> {
  // Every export reads only: from a replica when one fits (src/store/replicas), the viewer's own writes included.
  const ctx: ExportContext = { ...given, store: await readingStore(given.store, given.viewer) };
  const options = request.options ?? {};
  const scope = request.scope;
  const container = 'events' in scope ? stixContainerOf(request.stixContainer) : undefined;
  const correlations = async () => request.includeCorrelations
    ? { correlations: { store: ctx.store, viewer: ctx.viewer, settings: ctx.correlation ?? (await correlationSettings(ctx.store)) } } : {};

  if (request.format === 'json' && 'attributes' in scope) {
    // Pages of READ: a page's tags (and sightings, correlations) are one query, its text goes in pieces.
    const pages = ctx.decay ? scoredHitPages(ctx.store, ctx.viewer, scope.attributes, ctx.decay, ctx.warninglists)
      : attributeHitPages(ctx.store, ctx.viewer, scope.attributes, ctx.warninglists, READ);
    const flag = (v: unknown) => v === true || v === 1 || v === '1' || v === 'true';
    return {
      contentType: JSON_TYPE,
      chunks: attributeJsonText(pages, {
        // MISP lists the event's tags, which the scores weigh, with the scores.
        store: ctx.store, eventTags: flag(options.includeEventTags) || ctx.decay !== undefined, eventUuid: flag(options.includeEventUuid),
        ...(flag(options.includeSightings) ? { sightingsFor: ctx.viewer } : {}), ...(await correlations()),
        ...(ctx.feeds ? { feeds: ctx.feeds } : {}),
      }),
    };
  }
  if ((request.format === 'json' || request.format === 'stix2') && 'events' in scope) {
    let selection: EventSelection | { event: StoredEvent } = scope.events;
    if ('ref' in selection) {
      const event = await loadEvent(ctx.store, ctx.viewer, selection.ref);
      if (!event) throw new ServiceError('not-found', 'Invalid event');
      selection = { event };
    }
    const selected = selectedEvents(ctx, selection);
    const events = request.withoutAttachments && request.format === 'json' ? withoutAttachmentFiles(selected) : selected;
    if (request.format === 'stix2') return { contentType: STIX_TYPE, chunks: stixBundleText(ctx.store, ctx.viewer, events, container) };
    return { contentType: JSON_TYPE, chunks: eventJsonText(events, {
      layout: request.jsonLayout ?? 'response', ...(await correlations()), ...(ctx.decay ? { decay: ctx.decay } : {}),
      ...(ctx.feeds ? { feeds: ctx.feeds } : {}),
      ...(request.includeAnalystData ? { analystData: { store: ctx.store, viewer: ctx.viewer } } : {}),
    }) };
  }

  const format = lineFormat(request.format);
  const exporter = lineExporter(format, options, ctx.baseUrl);
  const attributes = 'attributes' in scope ? scope.attributes : await attributesOfEvents(ctx, scope.events);
  const filter = withDetectionDefaults(format, attributes, options);
  // excludeDecayed is attributes/restSearch's alone, as in MISP: an event is exported whole.
  const pages = ctx.decay ? scoredExportPages(ctx.store, ctx.viewer, filter, ctx.decay, 'attributes' in scope && ctx.decay.excludeDecayed, ctx.warninglists)
    : exportAttributePages(ctx.store, ctx.viewer, filter, ctx.warninglists);
  async function* text(): AsyncGenerator<string> {
    yield exporter.header();
    for await (const page of pages) {
      let chunk = '';
      for (const a of page) chunk += exporter.add(a);
      if (chunk) yield chunk;
    }
    yield exporter.footer();
  }
  return { contentType: format.contentType, chunks: text() };
}

/**
 * What a line format lists of a selection of events: every attribute of each event found (as MISP's
 * exports of events/restSearch flatten the events it returns), under the same content rules as its JSON.
 */
async function attributesOfEvents(ctx: ExportContext, selection: EventSelection): Promise<AttributeFilter> {
  if ('every' in selection) return {};
  if ('ref' in selection) {
    const event = await loadEvent(ctx.store, ctx.viewer, selection.ref);
    if (!event) throw new ServiceError('not-found', 'Invalid event');
    return { eventIds: [event.id] };
  }
  const c = selection.content ?? {};
  return {
    eventIds: await matchingEventIds(ctx, selection.matching),
    ...(c.toIds !== undefined ? { toIds: c.toIds } : {}),
    ...(c.deleted === 'only' ? { onlyDeleted: true } : c.deleted === 'both' ? { includeDeleted: true } : {}),
    ...(c.blockedTags?.length ? { notTags: c.blockedTags } : {}),
  };
}

async function* withoutAttachmentFiles(events: AsyncIterable<StoredEvent>): AsyncGenerator<StoredEvent> {
  const bare = <A extends { data: string | null }>(a: A): A => (a.data === null ? a : { ...a, data: null });
  for await (const e of events) {
    yield { ...e, attributes: e.attributes.map(bare), objects: e.objects.map((o) => ({ ...o, attributes: o.attributes.map(bare) })) };
  }
}
