import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { softDeletion } from '../../model/deletion.js';
import { searchAttributes, type AttributeHit } from '../../store/search/attributes.js';
import { tagsOfAttributes } from '../../store/tags.js';
import { attributeByRef } from '../../services/search/attribute-ref.js';
import { ApiError, notFound } from '../errors.js';
import { answerRestSearch } from '../exports.js';
import { attributeDocument } from '../../services/export/attribute-json.js';
import { resolveSharingGroups } from '../../services/events/sharing-group-refs.js';
import { lacking, refuseUnless, userOf } from '../session.js';
import { eventFacts } from '../../access/policy/events.js';
import { mayAddItem, mayAddItems, mayDeleteItem, mayEditItem } from '../../access/policy/items.js';
import { viewerOf } from '../../access/viewer.js';
import { randomUUID } from 'node:crypto';
import { parseMispEvent } from '../../formats/misp-json/parse.js';
import { serializeMispEvent } from '../../formats/misp-json/serialize.js';
import { modelBody } from '../body.js';
import { describeProblem } from '../../model/problems.js';
import { loadEvent, parseEventRef } from '../../store/events/reader.js';
import { purgeAttribute } from '../../store/events/purge.js';
import type { User } from '../../store/access/users.js';
import { documented } from '../openapi.js';
import { AttributeSaved, AttributeSearch } from '../schemas/answers.js';
import { ATTRIBUTE_BODY, ATTRIBUTE_EDIT_BODY, REST_SEARCH } from '../schemas/bodies.js';
import type { ApiContext } from '../context.js';

export async function attributeRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store, settings, writes } = ctx;
  documented(app, 'Attributes', {
    'POST /attributes/restSearch': { summary: 'Attributes matching the filters; json, or streamed csv, text, hashes, cache, suricata, snort, zeek or rpz', body: REST_SEARCH, response: AttributeSearch },
    'GET /attributes/restSearch': { summary: 'attributes/restSearch with the filters in the query string', response: AttributeSearch },
    'GET /attributes/view/:id': { summary: 'One attribute by id or uuid' },
    'POST /attributes/add/:event': { summary: 'Add one attribute, or a list, to an event', body: ATTRIBUTE_BODY, response: AttributeSaved },
    'POST /attributes/edit/:id': { summary: 'Change the fields given of an attribute', body: ATTRIBUTE_EDIT_BODY, response: AttributeSaved },
    'PUT /attributes/edit/:id': { summary: 'Change an attribute (as POST)', body: ATTRIBUTE_EDIT_BODY, response: AttributeSaved },
    'POST /attributes/delete/:id': { summary: 'Mark an attribute deleted' },
    'DELETE /attributes/delete/:id': { summary: 'Mark an attribute deleted (as POST)' },
    'POST /attributes/delete/:id/:hard': { summary: 'With hard = 1, remove an attribute for good (site admins)' },
    'DELETE /attributes/delete/:id/:hard': { summary: 'With hard = 1, remove an attribute for good (site admins)' },
  });
  const restSearch = (request: FastifyRequest, reply: FastifyReply) => answerRestSearch(request, reply, store, settings, 'attributes');
  app.post('/attributes/restSearch', restSearch);
  app.get('/attributes/restSearch', restSearch);

  /** One attribute the user may see, by id or uuid. */
  const find = async (user: User, id: string): Promise<AttributeHit> => {
    const hit = await attributeByRef(store, viewerOf(user), id, { includeDeleted: true });
    if (!hit) throw notFound('attribute');
    return hit;
  };
  const single = (h: AttributeHit) => {
    const { Event: _event, ...attribute } = attributeDocument(h);
    return { Attribute: attribute };
  };

  // attributes/view carries the attribute's tags, as MISP's does (PyMISP reads them back after tagging).
  app.get<{ Params: { id: string } }>('/attributes/view/:id', async (request) => {
    const hit = await find(userOf(request), request.params.id);
    const doc = single(hit);
    const tags = (await tagsOfAttributes(store, [hit.id])).get(hit.id) ?? [];
    if (tags.length === 0) return doc;
    return { Attribute: { ...doc.Attribute, Tag: tags.map((t) => ({ id: String(t.id), name: t.name, colour: t.colour ?? '', local: t.local, relationship_type: t.relationshipType ?? '' })) } };
  });

  // attributes/add/EVENT takes one attribute or a list; the event gets a new timestamp, as in MISP.
  app.post<{ Params: { event: string } }>('/attributes/add/:event', async (request) => {
    const user = userOf(request);
    refuseUnless(mayAddItems(user), lacking('perm_add'));
    const ref = parseEventRef(request.params.event);
    const stored = ref && (await loadEvent(store, viewerOf(user), ref));
    if (!stored) throw notFound('event');
    if (!mayAddItem(user, eventFacts(stored))) throw new ApiError(403, 'You are not allowed to add attributes to this event.');
    const body = request.body as Record<string, unknown> | unknown[] | undefined;
    const list = Array.isArray(body) ? body : body && typeof body === 'object' && 'Attribute' in body ? body.Attribute : body;
    const items = (Array.isArray(list) ? list : [list]).map((a) => ({ ...(a as Record<string, unknown>), uuid: (a as Record<string, unknown>)?.uuid ?? randomUUID() }));
    const now = Math.max(Math.floor(Date.now() / 1000), stored.timestamp + 1);
    const parsed = parseMispEvent({ Event: { uuid: stored.uuid, info: stored.info, date: stored.date, timestamp: String(now), Attribute: items } }, { defaultDistribution: stored.distribution });
    const attributes = parsed.event?.attributes ?? [];
    if (attributes.length === 0) {
      throw new ApiError(403, 'The attribute could not be saved.', { errors: Object.fromEntries(parsed.problems.map((p) => [p.field, [describeProblem(p)]])) });
    }
    const change = { ...stored, timestamp: now, attributes, objects: [], reports: [] };
    await resolveSharingGroups(store, user, change);
    await writes.update(change);
    const saved = await searchAttributes(store, viewerOf(user), { uuids: attributes.map((a) => a.uuid) });
    const docs = saved.filter((h) => h.eventId === stored.id).map(single);
    const answer = Array.isArray(list) ? { Attribute: docs.map((d) => d.Attribute) } : docs[0]!;
    return parsed.problems.length ? { ...answer, errors: parsed.problems.map(describeProblem) } : answer;
  });

  // attributes/edit/ID changes the fields it names; the rest of the attribute stays as stored.
  const edit = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const user = userOf(request);
    const hit = await find(user, request.params.id);
    const stored = await loadEvent(store, viewerOf(user), { id: hit.eventId }, { includeDeleted: true });
    if (!stored || !mayEditItem(user, eventFacts(stored))) throw new ApiError(403, 'You do not have permission to do that.');
    const raw = modelBody(request.body, 'Attribute', 'The attribute could not be saved.');
    const inObject = stored.objects.find((o) => o.attributes.some((a) => a.uuid === hit.uuid));
    const current = [...stored.attributes, ...(inObject?.attributes ?? [])].find((a) => a.uuid === hit.uuid)!;
    const now = Math.max(Math.floor(Date.now() / 1000), stored.timestamp + 1, current.timestamp + 1);
    const merged = {
      ...(serializeMispEvent({ ...stored, attributes: [current], objects: [], reports: [] }).Event.Attribute as Array<Record<string, unknown>>)[0],
      ...raw, uuid: current.uuid, object_relation: current.object_relation, timestamp: String(now),
      ...(raw.distribution === undefined && current.sharing_group?.id !== undefined ? { sharing_group_id: current.sharing_group.id } : {}),
    };
    const parsed = parseMispEvent({ Event: { uuid: stored.uuid, info: stored.info, date: stored.date, timestamp: String(now), Attribute: [merged] } }, { defaultDistribution: stored.distribution });
    const attribute = parsed.event?.attributes[0];
    if (!attribute) throw new ApiError(403, 'The attribute could not be saved.', { errors: Object.fromEntries(parsed.problems.map((p) => [p.field, [describeProblem(p)]])) });
    const changed = { ...attribute, tags: current.tags, sightings: [], object_relation: current.object_relation };
    const change = { ...stored, timestamp: now, reports: [], attributes: inObject ? [] : [changed],
      objects: inObject ? [{ ...inObject, timestamp: Math.max(now, inObject.timestamp + 1), references: [], attributes: [changed] }] : [] };
    await resolveSharingGroups(store, user, change);
    await writes.update(change);
    return single(await find(user, current.uuid));
  };
  app.post('/attributes/edit/:id', edit);
  app.put('/attributes/edit/:id', edit);

  // attributes/delete/ID marks it deleted; attributes/delete/ID/1 removes it for good (site admins).
  const remove = async (request: FastifyRequest<{ Params: { id: string; hard?: string } }>) => {
    const user = userOf(request);
    const hit = await find(user, request.params.id);
    const stored = await loadEvent(store, viewerOf(user), { id: hit.eventId }, { includeDeleted: true });
    if (!stored || !mayDeleteItem(user, eventFacts(stored))) throw new ApiError(403, 'You are not allowed to delete this attribute.');
    const url = request.url.split('?')[0];
    if (request.params.hard === '1') {
      if (!mayDeleteItem(user, eventFacts(stored), true)) throw new ApiError(403, 'Only site admins may delete attributes for good.');
      await purgeAttribute(store, hit.id);
      return { saved: true, success: true, name: 'Attribute deleted.', message: 'Attribute deleted.', url };
    }
    await writes.update(softDeletion(stored, hit.uuid, Math.floor(Date.now() / 1000))!);
    return { message: 'Attribute deleted.' };
  };
  app.post('/attributes/delete/:id', remove);
  app.delete('/attributes/delete/:id', remove);
  app.post('/attributes/delete/:id/:hard', remove);
  app.delete('/attributes/delete/:id/:hard', remove);
}
