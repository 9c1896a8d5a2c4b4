import type { FastifyInstance } from 'fastify';
import { loadEvent, parseEventRef } from '../../store/events/reader.js';
import { searchAttributes } from '../../store/search/attributes.js';
import { addSightings, listSightings, type SightingRecord } from '../../store/sightings.js';
import { attributeByRef } from '../../services/search/attribute-ref.js';
import { ApiError, notFound } from '../errors.js';
import { lacking, refuseUnless, userOf } from '../session.js';
import { mayAddSighting } from '../../access/policy/sightings.js';
import { viewerOf } from '../../access/viewer.js';
import { documented } from '../openapi.js';
import { SIGHTING_BODY } from '../schemas/bodies.js';
import type { ApiContext } from '../context.js';

function sightingDocument(s: SightingRecord) {
  return {
    Sighting: {
      id: String(s.id), uuid: s.uuid, attribute_id: String(s.attributeId), attribute_uuid: s.attributeUuid, event_id: String(s.eventId),
      org_id: String(s.orgId ?? 0), date_sighting: String(s.dateSighting), source: s.source, type: String(s.type),
      ...(s.orgName ? { Organisation: { id: String(s.orgId), name: s.orgName, uuid: s.orgUuid } } : {}),
    },
  };
}

export async function sightingRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store } = ctx;
  documented(app, 'Sightings', {
    'POST /sightings/add/:id?': { summary: 'Add a sighting to an attribute (id or uuid in the address or body), or to every attribute you may see holding a value', body: SIGHTING_BODY },
    'POST /sightings/listSightings/:id/:context?': { summary: "Sightings of an attribute, or of an event (context 'event'), as MISP's default policy shows them" },
  });
  // sightings/add takes {"value": …} (every attribute the user may see that holds it), {"id"} or {"uuid"}, or the id in the path.
  app.post<{ Params: { id?: string } }>('/sightings/add/:id?', async (request) => {
    const user = userOf(request);
    refuseUnless(mayAddSighting(user), lacking('perm_sighting'));
    const body = (request.body ?? {}) as Record<string, unknown>;
    const ref = request.params.id ?? body.id ?? body.uuid;
    const type = body.type === undefined ? 0 : Number(body.type);
    if (![0, 1, 2].includes(type)) throw new ApiError(403, 'Invalid sighting', { errors: { type: ['0 (sighting), 1 (false positive) or 2 (expiration)'] } });
    const date = body.timestamp === undefined ? Math.floor(Date.now() / 1000) : Number(body.timestamp);
    if (!Number.isInteger(date) || date < 0) throw new ApiError(403, 'Invalid sighting', { errors: { timestamp: ['epoch seconds'] } });
    const source = typeof body.source === 'string' ? body.source : '';
    const viewer = viewerOf(user);
    let hits;
    if (typeof body.value === 'string' && body.value.trim()) hits = await searchAttributes(store, viewer, { value: body.value });
    else if (typeof ref === 'string' || typeof ref === 'number') {
      const hit = await attributeByRef(store, viewer, String(ref));
      hits = hit ? [hit] : [];
    } else throw new ApiError(403, 'Invalid sighting', { errors: { value: ['give the value, or the id or uuid of the attribute'] } });
    if (hits.length === 0) throw notFound('attribute');
    await addSightings(store, hits.map((h) => ({ id: h.id, eventId: h.eventId })), user.org.id, type, date, source);
    if (hits.length > 1) return { message: `${hits.length} sightings successfully added.` };
    const [made] = (await listSightings(store, viewer, { attributeIds: [hits[0]!.id] })).slice(-1);
    return sightingDocument(made!);
  });

  // sightings/listSightings/ID/attribute|event: what the user may see of them (MISP's default policy).
  app.post<{ Params: { id: string; context?: string } }>('/sightings/listSightings/:id/:context?', async (request) => {
    const user = userOf(request);
    const viewer = viewerOf(user);
    const context = request.params.context ?? 'attribute';
    if (context === 'event') {
      const ref = parseEventRef(request.params.id);
      const event = ref && (await loadEvent(store, viewer, ref));
      if (!event) throw notFound('event');
      return (await listSightings(store, viewer, { eventId: event.id })).map(sightingDocument);
    }
    if (context !== 'attribute') throw new ApiError(400, `the context is attribute or event, not "${context}"`);
    const hit = await attributeByRef(store, viewer, request.params.id);
    if (!hit) throw notFound('attribute');
    return (await listSightings(store, viewer, { attributeIds: [hit.id] })).map(sightingDocument);
  });
}
