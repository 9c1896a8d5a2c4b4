import type { FastifyInstance } from 'fastify';
import { loadEvent, parseEventRef } from '../../store/events/reader.js';
import { searchAttributes } from '../../store/search/attributes.js';
import { addSightings, deleteSighting, findSighting, listSightings, type SightingRecord } from '../../store/sightings.js';
import { findOrganisation, findOrganisationById } from '../../store/access/organisations.js';
import { runSightingSearch, sightingSearch } from '../../services/search/sightings.js';
import { restQueryOf } from '../../services/search/rest-query.js';
import { isUuid } from '../../model/event.js';
import { attributeByRef } from '../../services/search/attribute-ref.js';
import { ApiError, notFound } from '../errors.js';
import { lacking, refuseUnless, userOf } from '../session.js';
import { mayAddSighting, mayDeleteSighting } from '../../access/policy/sightings.js';
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
    'POST /sightings/listSightings': { summary: 'The same, with id, context and org_id (id or uuid of the organisation that sighted) in the body' },
    'POST /sightings/restSearch/:context?': { summary: "Search sightings (MISP's sightings restSearch): context attribute or event with id or uuid, type, source, org_id, from/to or last (default 30d); answers {response: [{Sighting}]}" },
    'POST /sightings/delete/:id': { summary: 'Delete a sighting (id or uuid): one of your organisation, or any as site admin' },
  });
  // sightings/add takes {"value": …} (every attribute the user may see that holds it), {"id"} or {"uuid"}, or the id in the path.
  // A list for a body (PyMISP sends one when handed the list another call answered) names no field: MISP
  // then sights the attribute in the address with the defaults, and so does Cairn.
  const listBodyNamesNothing = async (request: { body: unknown }) => {
    if (Array.isArray(request.body)) request.body = {};
  };
  app.post<{ Params: { id?: string } }>('/sightings/add/:id?', { preValidation: listBodyNamesNothing }, async (request) => {
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

  // sightings/listSightings/ID/attribute|event, or {id, context, org_id} in the body as PyMISP sends it:
  // what the user may see of them (MISP's default policy), of one organisation if org_id is given.
  const list = async (user: ReturnType<typeof userOf>, id: unknown, context: string, orgRef: unknown) => {
    const viewer = viewerOf(user);
    let sightings: SightingRecord[];
    if (typeof id !== 'string' && typeof id !== 'number') throw new ApiError(400, 'give the id of the attribute or event');
    if (context === 'event') {
      const ref = parseEventRef(String(id));
      const event = ref && (await loadEvent(store, viewer, ref));
      if (!event) throw notFound('event');
      sightings = await listSightings(store, viewer, { eventId: event.id });
    } else if (context === 'attribute') {
      const hit = await attributeByRef(store, viewer, String(id));
      if (!hit) throw notFound('attribute');
      sightings = await listSightings(store, viewer, { attributeIds: [hit.id] });
    } else throw new ApiError(400, `the context is attribute or event, not "${context}"`);
    if (orgRef !== undefined && orgRef !== null && orgRef !== '' && orgRef !== false) {
      const text = String(orgRef);
      const org = /^\d+$/.test(text) ? await findOrganisationById(store, Number(text)) : await findOrganisation(store, text);
      sightings = sightings.filter((s) => org !== undefined && s.orgId === org.id);
    }
    return sightings.map(sightingDocument);
  };
  app.post<{ Params: { id: string; context?: string } }>('/sightings/listSightings/:id/:context?', async (request) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    return list(userOf(request), request.params.id, request.params.context ?? 'attribute', body.org_id);
  });
  app.post('/sightings/listSightings', async (request) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    return list(userOf(request), body.id, typeof body.context === 'string' ? body.context : 'attribute', body.org_id);
  });

  // sightings/restSearch[/attribute|event]: MISP's JSON answer is {"response": [{"Sighting": …}]}.
  app.post<{ Params: { context?: string } }>('/sightings/restSearch/:context?', async (request) => {
    const query = restQueryOf(request);
    const format = query.returnFormat ?? 'json';
    if (format !== 'json') throw new ApiError(404, 'Invalid output format.');
    const search = await sightingSearch(store, query, request.params.context);
    return { response: await runSightingSearch(store, viewerOf(userOf(request)), search) };
  });

  // sightings/delete/ID|UUID: MISP answers "Invalid sighting." (404) for one the user may not delete.
  app.post<{ Params: { id: string } }>('/sightings/delete/:id', async (request) => {
    const user = userOf(request);
    const ref = request.params.id;
    const found = /^\d+$/.test(ref) ? await findSighting(store, { id: Number(ref) }) : isUuid(ref.toLowerCase()) ? await findSighting(store, { uuid: ref.toLowerCase() }) : undefined;
    if (!found || !mayDeleteSighting(user, found)) throw new ApiError(404, 'Invalid sighting.');
    await deleteSighting(store, found.id);
    return { saved: true, success: true, name: 'Sighting successfully deleted.', message: 'Sighting successfully deleted.', url: `/sightings/delete/${ref}` };
  });
}
