import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { restoration, softDeletion } from '../../model/deletion.js';
import { changedEventStamp, changedItemStamp, currentSecond } from '../../model/versions.js';
import { searchAttributes, type AttributeHit } from '../../store/search/attributes.js';
import { tagsOfAttributes } from '../../store/tags.js';
import { attributeByRef } from '../../services/search/attribute-ref.js';
import { ApiError, notFound, withProblems } from '../errors.js';
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
import { similarAttribute, SIMILAR_ATTRIBUTE } from '../../model/duplicates.js';
import { warninglistsOf } from '../../correlation/warninglists/enforce.js';
import type { Attribute, TagRef } from '../../model/event.js';
import { withoutRefusedTags } from '../../services/import/pipeline.js';
import { loadEvent, parseEventRef } from '../../store/events/reader.js';
import { purgeAttribute } from '../../store/events/purge.js';
import type { User } from '../../store/access/users.js';
import { documented } from '../openapi.js';
import { attributeStatistics } from '../../services/stats/attribute-statistics.js';
import { AttributeSaved, AttributeSearch } from '../schemas/answers.js';
import { ATTRIBUTE_BODY, ATTRIBUTE_EDIT_BODY, REST_SEARCH } from '../schemas/bodies.js';
import type { ApiContext } from '../context.js';

/**
 * The tags of an attribute after an edit, as MISP's: a tag the edit marks `deleted` comes off, another
 * it names goes on, and those it does not name stay. Whether the user may put it on is checked after
 * (withoutRefusedTags), as for any write.
 */
function editedTags(current: readonly TagRef[], given: unknown): TagRef[] {
  if (!Array.isArray(given)) return [...current];
  let tags = [...current];
  const yes = (v: unknown) => v === true || v === 1 || v === '1' || v === 'true';
  for (const g of given) {
    const t: Record<string, unknown> = typeof g === 'string' ? { name: g } : g && typeof g === 'object' ? (g as Record<string, unknown>) : {};
    const name = typeof t.name === 'string' ? t.name.trim() : '';
    if (!name) continue;
    if (yes(t.deleted)) tags = tags.filter((x) => x.name !== name);
    else if (!tags.some((x) => x.name === name)) tags.push({ name, colour: null, local: yes(t.local), relationship_type: null });
  }
  return tags;
}

/** MISP's words for an attribute refused by enforceWarninglist. */
const WARNINGLISTED = 'Attribute could not be saved as it trips over a warninglist and enforceWarninglist is enforced.';

/** A flag as PHP's !empty() reads it: absent, false, 0, '0' and '' are unset. */
const isSet = (v: unknown): boolean => v !== undefined && v !== null && v !== false && v !== 0 && v !== '0' && v !== '';

export async function attributeRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store, settings, writes } = ctx;
  documented(app, 'Attributes', {
    'POST /attributes/restSearch': { summary: 'Attributes matching the filters; json, or streamed csv, text, hashes, cache, suricata, snort, zeek or rpz', body: REST_SEARCH, response: AttributeSearch },
    'GET /attributes/restSearch': { summary: 'attributes/restSearch with the filters in the query string', response: AttributeSearch },
    'GET /attributes/view/:id': { summary: 'One attribute by id or uuid' },
    'GET /attributes/index': { summary: 'The live attributes you may see, bare; limit (60), page, searchvalue (one value)' },
    'GET /attributes/attributeStatistics/:context': { summary: 'How many attributes you may see of each type (context: type) or category, by name' },
    'GET /attributes/attributeStatistics/:context/:percentage': { summary: 'attributeStatistics as shares of the whole ("12.5%") when percentage is true or 1' },
    'POST /attributes/add/:event': { summary: 'Add one attribute, or a list, to an event', body: ATTRIBUTE_BODY, response: AttributeSaved },
    'POST /attributes/edit/:id': { summary: 'Change the fields given of an attribute', body: ATTRIBUTE_EDIT_BODY, response: AttributeSaved },
    'PUT /attributes/edit/:id': { summary: 'Change an attribute (as POST)', body: ATTRIBUTE_EDIT_BODY, response: AttributeSaved },
    'POST /attributes/delete/:id': { summary: 'Mark an attribute deleted' },
    'POST /attributes/restore/:id': { summary: 'Bring back an attribute marked deleted; answers it as attributes/view' },
    'DELETE /attributes/delete/:id': { summary: 'Mark an attribute deleted (as POST)' },
    'POST /attributes/delete/:id/:hard': { summary: 'With hard = 1, remove an attribute for good (site admins)' },
    'DELETE /attributes/delete/:id/:hard': { summary: 'With hard = 1, remove an attribute for good (site admins)' },
  });
  const restSearch = (request: FastifyRequest, reply: FastifyReply) => answerRestSearch(request, reply, ctx, 'attributes');
  app.post('/attributes/restSearch', restSearch);
  app.get('/attributes/restSearch', restSearch);

  const statistics = async (request: FastifyRequest<{ Params: { context: string; percentage?: string } }>) => {
    const p = request.params.percentage;
    return attributeStatistics(store, viewerOf(userOf(request)), request.params.context, p === 'true' || p === '1');
  };
  app.get('/attributes/attributeStatistics/:context', statistics);
  app.get('/attributes/attributeStatistics/:context/:percentage', statistics);

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

  /** Attribute documents with their tags, as MISP's view and add answer them (PyMISP reads them back after tagging). */
  const tagged = async (hits: readonly AttributeHit[]) => {
    const byId = await tagsOfAttributes(store, hits.map((h) => h.id));
    return hits.map((hit) => {
      const doc = single(hit);
      const tags = byId.get(hit.id) ?? [];
      if (tags.length === 0) return doc;
      return { Attribute: { ...doc.Attribute, Tag: tags.map((t) => ({ id: String(t.id), name: t.name, colour: t.colour ?? '', local: t.local, relationship_type: t.relationshipType ?? '' })) } };
    });
  };

  // attributes/index: the live attributes the user may see, bare, 60 a page as MISP's (limit, page), or
  // those of one value (searchvalue). MISP orders them by event, newest first; Cairn by attribute id.
  app.get<{ Querystring: { limit?: string; page?: string; searchvalue?: string } }>('/attributes/index', async (request) => {
    const whole = (v: string | undefined, fallback: number) => (v !== undefined && /^[1-9][0-9]*$/.test(v) ? Number(v) : fallback);
    const limit = Math.min(whole(request.query.limit, 60), 9999);
    const page = whole(request.query.page, 1);
    const value = request.query.searchvalue;
    const hits = await searchAttributes(store, viewerOf(userOf(request)), { limit, offset: (page - 1) * limit, ...(value ? { values: [value] } : {}) });
    return hits.map((h) => single(h).Attribute);
  });

  app.get<{ Params: { id: string } }>('/attributes/view/:id', async (request) => (await tagged([await find(userOf(request), request.params.id)]))[0]);

  // attributes/add/EVENT takes one attribute or a list; the event gets a new timestamp, as in MISP. An
  // attribute repeating one the event holds is refused (MISP's uniqueValue), unless breakOnDuplicate=0,
  // which updates the one held instead. A list answers what was saved, and `errors` by `attribute_N`.
  // With enforceWarninglist (on an attribute, or as a parameter), one whose value is on an enabled
  // warninglist is not saved, its failure a sentence as MISP's.
  app.post<{ Params: { event: string }; Querystring: { breakOnDuplicate?: string; enforceWarninglist?: string } }>('/attributes/add/:event', async (request) => {
    const user = userOf(request);
    refuseUnless(mayAddItems(user), lacking('perm_add'));
    const ref = parseEventRef(request.params.event);
    const stored = ref && (await loadEvent(store, viewerOf(user), ref));
    if (!stored) throw notFound('event');
    // MISP's words: PyMISP reads them as "not yours" and sends the attribute as a proposal instead.
    if (!mayAddItem(user, eventFacts(stored))) throw new ApiError(403, 'You do not have permission to do that.');
    const body = request.body as Record<string, unknown> | unknown[] | undefined;
    const list = Array.isArray(body) ? body : body && typeof body === 'object' && 'Attribute' in body ? body.Attribute : body;
    const items = (Array.isArray(list) ? list : [list]).map((a) => ({ ...(a as Record<string, unknown>), uuid: (a as Record<string, unknown>)?.uuid ?? randomUUID() }));
    const indexOf = new Map(items.map((a, i) => [String(a.uuid).toLowerCase(), i]));
    const now = currentSecond();
    const parsed = parseMispEvent({ Event: { uuid: stored.uuid, info: stored.info, date: stored.date, timestamp: String(now), Attribute: items } }, { defaultDistribution: stored.distribution });
    const fails: Record<string, Record<string, string[]> | string> = {};
    const failOf = (uuid: string | null) => `attribute_${(uuid && indexOf.get(uuid)) ?? 0}`;
    const fieldFails = (key: string): Record<string, string[]> => {
      const f = fails[key];
      return typeof f === 'object' ? f : (fails[key] = {});
    };
    for (const p of parsed.problems) (fieldFails(failOf(p.item))[p.field] ??= []).push(describeProblem(p));
    const breakOnDuplicate = !['0', 'false'].includes(String(request.query.breakOnDuplicate ?? '1'));
    const enforcedByAll = isSet(request.query.enforceWarninglist);
    const enforced = (a: Attribute) => enforcedByAll || isSet((items[indexOf.get(a.uuid) ?? -1] as Record<string, unknown> | undefined)?.enforceWarninglist);
    const lists = (parsed.event?.attributes ?? []).some(enforced) ? (await settings.correlation()).warninglists : undefined;
    // Tags the user may not make or put on are left out, the attribute kept, as events/add does.
    const leftOut = parsed.event ? await withoutRefusedTags(store, user, parsed.event, stored) : [];
    const attributes: Attribute[] = [];
    for (const a of parsed.event?.attributes ?? []) {
      if (enforced(a) && warninglistsOf(lists, a).length > 0) {
        fails[failOf(a.uuid)] = WARNINGLISTED;
        continue;
      }
      const held = similarAttribute(a, [...stored.attributes, ...attributes]);
      if (!held) attributes.push(a);
      else if (!breakOnDuplicate) attributes.push({ ...a, uuid: held.uuid, timestamp: changedItemStamp(stored.attributes.find((s) => s.uuid === held.uuid)?.timestamp, now) });
      else (fieldFails(failOf(a.uuid)).value ??= []).push(SIMILAR_ATTRIBUTE);
    }
    if (attributes.length === 0) {
      throw new ApiError(403, 'The attribute could not be saved.', { errors: items.length === 1 ? (fails.attribute_0 ?? {}) : fails });
    }
    const change = { ...stored, timestamp: changedEventStamp(stored.timestamp, attributes.map((a) => a.timestamp), now), attributes, objects: [], reports: [] };
    await resolveSharingGroups(store, user, change);
    await writes.update(change);
    const saved = await searchAttributes(store, viewerOf(user), { uuids: attributes.map((a) => a.uuid) });
    const docs = await tagged(saved.filter((h) => h.eventId === stored.id));
    // As MISP: one saved attribute answers alone, several as a list.
    const answer = docs.length === 1 ? docs[0]! : { Attribute: docs.map((d) => d.Attribute) };
    return withProblems(Object.keys(fails).length ? { ...answer, errors: fails } : answer, leftOut);
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
    const now = changedItemStamp(current.timestamp);
    const merged = {
      ...(serializeMispEvent({ ...stored, attributes: [current], objects: [], reports: [] }).Event.Attribute as Array<Record<string, unknown>>)[0],
      ...raw, uuid: current.uuid, object_relation: current.object_relation, timestamp: String(now),
      ...(raw.distribution === undefined && current.sharing_group?.id !== undefined ? { sharing_group_id: current.sharing_group.id } : {}),
    };
    const parsed = parseMispEvent({ Event: { uuid: stored.uuid, info: stored.info, date: stored.date, timestamp: String(now), Attribute: [merged] } }, { defaultDistribution: stored.distribution });
    const attribute = parsed.event?.attributes[0];
    if (!attribute) throw new ApiError(403, 'The attribute could not be saved.', { errors: Object.fromEntries(parsed.problems.map((p) => [p.field, [describeProblem(p)]])) });
    if (!inObject && similarAttribute(attribute, stored.attributes)) {
      throw new ApiError(403, 'The attribute could not be saved.', { errors: { value: [SIMILAR_ATTRIBUTE] } });
    }
    const changed = { ...attribute, tags: editedTags(current.tags, raw.Tag), sightings: [], object_relation: current.object_relation };
    const holder = inObject && { ...inObject, timestamp: Math.max(now, changedItemStamp(inObject.timestamp)), references: [], attributes: [changed] };
    const change = { ...stored, timestamp: changedEventStamp(stored.timestamp, [now, holder?.timestamp ?? now]), reports: [], attributes: holder ? [] : [changed],
      objects: holder ? [holder] : [] };
    const leftOut = await withoutRefusedTags(store, user, change, stored);
    await resolveSharingGroups(store, user, change);
    await writes.update(change);
    return withProblems(single(await find(user, current.uuid)), leftOut);
  };
  app.post('/attributes/edit/:id', edit);
  app.put('/attributes/edit/:id', edit);

  // attributes/delete/ID marks it deleted; attributes/delete/ID/1 removes it for good (site admins).
  const remove = async (request: FastifyRequest<{ Params: { id: string; hard?: string } }>) => {
    const user = userOf(request);
    const hit = await find(user, request.params.id);
    const stored = await loadEvent(store, viewerOf(user), { id: hit.eventId }, { includeDeleted: true });
    // As for add and edit, MISP's words, which PyMISP answers with a proposal to delete.
    if (!stored || !mayDeleteItem(user, eventFacts(stored))) throw new ApiError(403, 'You do not have permission to do that.');
    const url = request.url.split('?')[0];
    // MISP takes `hard` in the address or in the body (PyMISP sends {"hard": 1}).
    const body = request.body as Record<string, unknown> | undefined;
    const hard = request.params.hard ?? (body && typeof body === 'object' && !Array.isArray(body) ? body.hard : undefined);
    if (hard === '1' || hard === 1 || hard === true || hard === 'true') {
      if (!mayDeleteItem(user, eventFacts(stored), true)) throw new ApiError(403, 'Only site admins may delete attributes for good.');
      await purgeAttribute(store, hit.id);
      return { saved: true, success: true, name: 'Attribute deleted.', message: 'Attribute deleted.', url };
    }
    await writes.update(softDeletion(stored, hit.uuid, currentSecond())!);
    return { message: 'Attribute deleted.' };
  };
  // attributes/restore/ID brings back a soft-deleted attribute and answers it as attributes/view (MISP
  // redirects there); an attribute the user may not change is "Invalid Attribute", 405, as MISP's.
  app.post<{ Params: { id: string } }>('/attributes/restore/:id', async (request) => {
    const user = userOf(request);
    const hit = await attributeByRef(store, viewerOf(user), request.params.id, { includeDeleted: true });
    const stored = hit && (await loadEvent(store, viewerOf(user), { id: hit.eventId }, { includeDeleted: true }));
    if (!hit || !stored || !mayEditItem(user, eventFacts(stored))) throw new ApiError(405, 'Invalid Attribute');
    const change = restoration(stored, hit.uuid, currentSecond());
    if (!change) throw new ApiError(404, 'Could not restore the attribute');
    await writes.update(change);
    return (await tagged([await find(user, hit.uuid)]))[0];
  });

  app.post('/attributes/delete/:id', remove);
  app.delete('/attributes/delete/:id', remove);
  app.post('/attributes/delete/:id/:hard', remove);
  app.delete('/attributes/delete/:id/:hard', remove);
}
