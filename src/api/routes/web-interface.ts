import type { FastifyInstance, FastifyRequest } from 'fastify';
import { warninglistsOf } from '../../correlation/warninglists/enforce.js';
import { withEventAnalystData } from '../../services/analyst-data/document.js';
import { renderReport } from '../../formats/report-md/render.js';
import { hostOrganisationId } from '../../store/access/organisations.js';
import { eventCorrelations } from '../../store/correlations/event-correlations.js';
import { listEvents } from '../../store/events/list.js';
import { loadEvent, parseEventRef } from '../../store/events/reader.js';
import { eventOwnership } from '../../store/events/ownership.js';
import { abilities } from '../../access/policy/abilities.js';
import { templateDescriptions } from '../../store/libraries/object-templates.js';
import { correlatingValueCount, eventsByMonth, storeStats } from '../../store/stats.js';
import { ApiError, notFound } from '../errors.js';
import { countField } from '../body.js';
import { correlationGraph } from '../../store/correlations/graph.js';
import { documented } from '../openapi.js';
import { Annotations, CorrelationGraph, Dashboard, EventAbilities, ImportPlan } from '../schemas/answers.js';
import { requirePermission, userOf } from '../session.js';
import { viewerOf } from '../../access/viewer.js';
import { entryView, importDocuments, importStix } from '../../services/import/documents.js';
import { eventsOfDocument } from '../../formats/input.js';
import { isObject } from '../../formats/misp-json/coerce.js';
import type { ApiContext } from '../context.js';

type IdRequest = FastifyRequest<{ Params: { id: string } }>;

/**
 * What the web interface needs beyond MISP's API, under /cairn: the dashboard's figures, what an
 * event's page marks on each attribute, and the event as the seeds' report. Through the same policy.
 */
export async function interfaceRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store, settings, writes } = ctx;
  documented(app, 'Interface', {
    'GET /cairn/dashboard': { summary: 'Counts of what you may see (events, attributes, correlating values), the latest events, top tags, attributes by type, events by month', response: Dashboard },
    'GET /cairn/events/:id/annotations': { summary: "An event's attributes' correlation counts and warninglist hits, its related events with the values they share, its over-correlating values and its objects' template descriptions", response: Annotations },
    'GET /cairn/events/:id/abilities': { summary: 'What you may do to an event (change, publish, delete, tag, add attributes and objects…), as the server will decide it', response: EventAbilities },
    'GET /cairn/events/:id/graph': { summary: 'The correlation graph around an event: events (depth 1–3, default 2; at most max, default 40, up to 200) and the values they share', response: CorrelationGraph },
    'POST /cairn/import/preview': { summary: 'What importing a document (a MISP event, a list of events, {"response": [...]} or a STIX 2.1 bundle) would create or update, and what it would leave out; stores nothing', response: ImportPlan },
    'POST /cairn/import': { summary: 'Import a document as events of your organisation (creators kept for site admins and sync users)', response: ImportPlan },
    'GET /cairn/events/:id/report': { summary: 'The event as a threat report (Markdown, the seeds\' format); related=1 adds the related events' },
  });

  app.get('/cairn/dashboard', async (request) => {
    const viewer = viewerOf(userOf(request));
    const [stats, correlations, latest, months] = await Promise.all([
      storeStats(store, viewer, 10), correlatingValueCount(store, viewer), listEvents(store, viewer, { limit: 8, page: 1 }, { sort: 'date', desc: true }), eventsByMonth(store, viewer, 12),
    ]);
    return {
      events: stats.events, attributes: stats.attributes, objects: stats.objects, correlations,
      latest: latest.map((e) => ({ id: e.id, uuid: e.uuid, info: e.info, date: e.date, org: e.orgc.name, attributes: e.attributeCount, published: e.published, tags: e.tags })),
      topTags: stats.topTags, attributesByType: stats.attributesByType, eventsByMonth: months,
    };
  });

  const visibleEvent = async (request: IdRequest) => {
    const ref = parseEventRef(request.params.id);
    const event = ref && (await loadEvent(store, viewerOf(userOf(request)), ref));
    if (!event) throw notFound('event');
    return event;
  };

  // The event page offers what the server would allow: it asks, rather than re-deriving the rules.
  app.get('/cairn/events/:id/abilities', async (request: IdRequest) => {
    const user = userOf(request);
    const ref = parseEventRef(request.params.id);
    const event = ref && (await eventOwnership(store, viewerOf(user), ref));
    if (!event) throw notFound('event');
    return abilities(user, event, await hostOrganisationId(store));
  });

  app.get('/cairn/events/:id/annotations', async (request: IdRequest) => {
    const event = await visibleEvent(request);
    const viewer = viewerOf(userOf(request));
    const correlation = await settings.correlation();
    const c = await eventCorrelations(store, viewer, { id: event.id }, correlation);
    const counts = new Map<string, Set<number>>();
    for (const r of c?.related ?? []) for (const l of r.links) counts.set(l.attribute, (counts.get(l.attribute) ?? new Set()).add(r.id));
    const attributes: Record<string, { correlations: number; warninglists: string[] }> = {};
    for (const a of [...event.attributes, ...event.objects.flatMap((o) => o.attributes)]) {
      attributes[a.uuid] = { correlations: counts.get(a.uuid)?.size ?? 0, warninglists: warninglistsOf(correlation.warninglists, a) };
    }
    const describe = await templateDescriptions(store);
    return {
      attributes,
      overCorrelating: c?.overCorrelating ?? [],
      related: (c?.related ?? []).map((r) => ({ id: r.id, uuid: r.uuid, info: r.info, date: r.date, shared: r.shared, values: r.values })),
      objectDescriptions: Object.fromEntries(event.objects.map((o) => [o.uuid, o.description || describe(o.name) || ''])),
    };
  });

  app.get('/cairn/events/:id/graph', async (request: FastifyRequest<{ Params: { id: string }; Querystring: { depth?: string; max?: string } }>) => {
    const event = await visibleEvent(request);
    const depth = countField(request.query.depth, 'depth', 2);
    const max = countField(request.query.max, 'max', 40);
    if (depth > 3) throw new ApiError(400, 'depth is at most 3');
    const graph = await correlationGraph(store, viewerOf(userOf(request)), { id: event.id }, await settings.correlation(), { depth, maxNodes: Math.min(max, 200) });
    return graph!;
  });

  /** A document's events, as they would be imported; STIX bundles through their own reader. */
  const importDocument = async (request: FastifyRequest, dryRun: boolean) => {
    const user = userOf(request);
    requirePermission(user, 'perm_add');
    const doc = request.body;
    const actor = { kind: 'user', user } as const;
    if (isObject(doc) && doc.type === 'bundle') {
      const outcome = await importStix(store, writes, actor, doc, { dryRun });
      return { format: 'stix2', events: outcome.entries.map(entryView), left: [...outcome.failures].map(([id, reason]) => `${id}: ${reason}`) };
    }
    const docs: unknown[] = [];
    const left: string[] = [];
    for (const item of eventsOfDocument(doc, 'upload')) {
      if ('error' in item) left.push(item.error);
      else if (isObject(item.json)) docs.push(item.json);
    }
    const outcome = await importDocuments(store, writes, actor, docs, { dryRun });
    return { format: 'misp', events: outcome.entries.map(entryView), left };
  };
  app.post('/cairn/import/preview', async (request) => importDocument(request, true));
  app.post('/cairn/import', async (request) => importDocument(request, false));

  app.get('/cairn/events/:id/report', async (request: FastifyRequest<{ Params: { id: string }; Querystring: { related?: string } }>, reply) => {
    const event = await visibleEvent(request);
    const related = request.query.related === '1'
      ? (await eventCorrelations(store, viewerOf(userOf(request)), { id: event.id }, await settings.correlation()))?.related ?? []
      : undefined;
    return reply.type('text/markdown; charset=utf-8').header('Content-Disposition', `attachment; filename="${event.uuid}.md"`)
      .send(renderReport(await withEventAnalystData(store, viewerOf(userOf(request)), event), { templates: await templateDescriptions(store), ...(related ? { related } : {}) }));
  });
}
