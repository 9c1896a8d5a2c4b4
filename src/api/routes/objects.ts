import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseMispEvent } from '../../formats/misp-json/parse.js';
import { describeProblem, type ImportProblem } from '../../model/problems.js';
import { changedEventStamp, changedItemStamp, currentSecond } from '../../model/versions.js';
import { templateBreaches } from '../../libraries/object-template.js';
import { isUuid, type MispObject, type ObjectReference, type StoredEvent } from '../../model/event.js';
import { softDeletion } from '../../model/deletion.js';
import { loadEvent } from '../../store/events/reader.js';
import { changeableEvent, eventToAddTo } from '../event-access.js';
import { objectByRef, referenceByRef } from '../../store/events/object-lookup.js';
import { objectDocument as documentOfObject } from '../../services/events/object-document.js';
import { purgeObject, purgeReference } from '../../store/events/purge.js';
import type { User } from '../../store/access/users.js';
import { flagField, modelBody, textField, type Fields } from '../body.js';
import { ApiError, notFound, withProblems } from '../errors.js';
import { lacking, refuseUnless, userOf } from '../session.js';
import { eventFacts, type EventFacts } from '../../access/policy/events.js';
import { mayAddItem, mayAddItems, mayDeleteItem, mayEditItem } from '../../access/policy/items.js';
import { viewerOf } from '../../access/viewer.js';
import { resolveSharingGroups } from '../../services/events/sharing-group-refs.js';
import { withoutRefusedTags } from '../../services/import/pipeline.js';
import { documented } from '../openapi.js';
import { OBJECT_BODY, REFERENCE_BODY, REST_SEARCH } from '../schemas/bodies.js';
import { objectSearch } from '../../services/search/objects.js';
import { restQueryOf } from '../../services/search/rest-query.js';
import type { ApiContext } from '../context.js';


export async function objectRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store, writes, libraries } = ctx;
  documented(app, 'Objects', {
    'GET /objects/view/:id': { summary: 'One object by id or uuid, with its attributes and references' },
    'POST /objects/restSearch': { summary: 'The objects you may see that the filters find (object_name, object_template_uuid, … and restSearch\'s), each with its attributes', body: REST_SEARCH },
    'GET /objects/restSearch': { summary: 'objects/restSearch with the filters in the query string' },
    'POST /objects/add/:event': { summary: 'Add an object to an event; an object of a known template is checked against it', body: OBJECT_BODY },
    'POST /objects/edit/:id': { summary: 'Change an object: the fields and attributes given replace the stored ones (by uuid)', body: OBJECT_BODY },
    'PUT /objects/edit/:id': { summary: 'Change an object (as POST)', body: OBJECT_BODY },
    'POST /objects/delete/:id': { summary: 'Mark an object and its attributes deleted; with {"hard": 1} remove it for good (site admins)' },
    'DELETE /objects/delete/:id': { summary: 'Mark an object and its attributes deleted' },
    'POST /objects/delete/:id/:hard': { summary: 'With hard = 1, remove an object for good (site admins)' },
    'POST /objectReferences/add': { summary: 'Add a reference from an object (object_uuid) to an attribute or object', body: REFERENCE_BODY },
    'POST /objectReferences/add/:object': { summary: 'Add a reference from the object in the address', body: REFERENCE_BODY },
    'POST /objectReferences/delete/:id': { summary: 'Mark a reference deleted' },
    'DELETE /objectReferences/delete/:id': { summary: 'Mark a reference deleted' },
    'POST /objectReferences/delete/:id/:hard': { summary: 'With hard = true, remove a reference for good' },
  });
  const changeable = (user: User, eventId: number, may: (user: User, event: EventFacts) => boolean = mayEditItem) => changeableEvent(store, user, eventId, may);

  /** An object of a stored event as MISP answers it: with its own, its event's and its attributes' ids. */
  const objectDocument = async (user: User, eventId: number, uuid: string) => {
    const viewer = viewerOf(user);
    const event = await loadEvent(store, viewer, { id: eventId }, { includeDeleted: true });
    const doc = event && documentOfObject(event, uuid);
    if (!doc) throw notFound('object');
    return doc;
  };

  /** Reads one object of a request against a stored event; a template it breaks is refused field by field. */
  const readObject = (stored: StoredEvent, raw: Fields, timestamp: number): MispObject => {
    const parsed = parseMispEvent({ Event: { uuid: stored.uuid, info: stored.info, date: stored.date, timestamp: String(timestamp), Object: [raw] } }, { defaultDistribution: stored.distribution });
    const object = parsed.event?.objects[0];
    if (!object) throw new ApiError(403, 'The object could not be saved.', { errors: Object.fromEntries(parsed.problems.map((p) => [p.field, [describeProblem(p)]])) });
    const rejected = parsed.problems.filter((p) => p.item !== null && p.item !== object.uuid);
    if (rejected.length > 0) throw new ApiError(403, 'The object could not be saved.', { errors: Object.fromEntries(rejected.map((p) => [p.field, [describeProblem(p)]])) });
    return object;
  };

  const checkTemplate = async (object: MispObject) => {
    const template = (await libraries.templates.get()).get(object.name);
    if (!template) return;
    const breaches = templateBreaches(template, object);
    if (breaches.length > 0) {
      throw new ApiError(403, `The object does not fit its template (${template.name} v${template.version}).`, {
        errors: Object.fromEntries(breaches.map((b) => [b.slice(0, b.indexOf(':')), [b.slice(b.indexOf(':') + 2)]])),
      });
    }
  };

  /** Writes the objects into their event; answers the tags left out of their attributes, as events/add names them. */
  const write = async (user: User, stored: StoredEvent, objects: MispObject[]): Promise<ImportProblem[]> => {
    const stamps = objects.flatMap((o) => [o.timestamp, ...o.attributes.map((a) => a.timestamp), ...o.references.map((r) => r.timestamp)]);
    const change = { ...stored, timestamp: changedEventStamp(stored.timestamp, stamps), attributes: [], reports: [], objects };
    const leftOut = await withoutRefusedTags(store, user, change, stored);
    await resolveSharingGroups(store, user, change);
    const outcome = await writes.update(change);
    const failed = outcome.problems.filter((p) => objects.some((o) => o.uuid === p.item));
    if (failed.length > 0) throw new ApiError(403, 'The object could not be saved.', { errors: Object.fromEntries(failed.map((p) => [p.field, [describeProblem(p)]])) });
    return leftOut;
  };

  // objects/restSearch: the objects the user may see that the filters find, as objects/view answers each.
  const restSearch = async (request: FastifyRequest) => ({ response: await objectSearch(store, viewerOf(userOf(request)), restQueryOf(request)) });
  app.post('/objects/restSearch', restSearch);
  app.get('/objects/restSearch', restSearch);

  app.get<{ Params: { id: string } }>('/objects/view/:id', async (request) => {
    const user = userOf(request);
    const ref = await objectByRef(store, viewerOf(user), request.params.id);
    if (!ref) throw notFound('object');
    return objectDocument(user, ref.eventId, ref.uuid);
  });

  app.post<{ Params: { event: string } }>('/objects/add/:event', async (request) => {
    const user = userOf(request);
    const stored = await eventToAddTo(store, user, request.params.event);
    const raw = modelBody(request.body, 'Object', 'The object could not be saved.');
    const timestamp = currentSecond();
    const object = readObject(stored, { ...raw, uuid: raw.uuid ?? randomUUID(), timestamp: String(timestamp) }, timestamp);
    if (stored.objects.some((o) => o.uuid === object.uuid)) throw new ApiError(403, 'The object could not be saved.', { errors: { uuid: ['the event holds an object with this uuid already; edit it instead'] } });
    await checkTemplate(object);
    const leftOut = await write(user, stored, [object]);
    return withProblems(await objectDocument(user, stored.id, object.uuid), leftOut);
  });

  const edit = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const user = userOf(request);
    const ref = await objectByRef(store, viewerOf(user), request.params.id);
    if (!ref) throw notFound('object');
    const stored = await changeable(user, ref.eventId);
    const current = stored.objects.find((o) => o.uuid === ref.uuid)!;
    const raw = modelBody(request.body, 'Object', 'The object could not be saved.');
    // Newer than the object and every attribute it holds: those the edit names are merged by timestamp.
    const timestamp = Math.max(changedItemStamp(current.timestamp), ...current.attributes.map((a) => changedItemStamp(a.timestamp)));
    // What the edit names replaces what is stored; what it leaves out stays (MISP's edit merges likewise).
    const given = Array.isArray(raw.Attribute) ? (raw.Attribute as Fields[]).map((a) => ({ ...a, timestamp: String(timestamp) })) : [];
    const object = readObject(stored, {
      name: current.name, 'meta-category': current.meta_category, description: current.description, template_uuid: current.template_uuid,
      template_version: current.template_version, comment: current.comment, distribution: current.distribution,
      ...(current.sharing_group?.id !== undefined ? { sharing_group_id: current.sharing_group.id } : {}),
      ...raw, uuid: current.uuid, timestamp: String(timestamp), Attribute: given, ObjectReference: [],
    }, timestamp);
    if (object.name !== current.name) throw new ApiError(403, 'The object could not be saved.', { errors: { name: ['an object keeps its template name'] } });
    const byUuid = new Map(current.attributes.map((a) => [a.uuid, a]));
    for (const a of object.attributes) byUuid.set(a.uuid, a);
    await checkTemplate({ ...object, attributes: [...byUuid.values()] });
    const leftOut = await write(user, stored, [object]);
    return withProblems(await objectDocument(user, stored.id, object.uuid), leftOut);
  };
  app.post('/objects/edit/:id', edit);
  app.put('/objects/edit/:id', edit);

  // objects/delete/ID marks the object and its attributes deleted; with hard (in the address or body) a site admin removes it for good.
  const remove = async (request: FastifyRequest<{ Params: { id: string; hard?: string } }>) => {
    const user = userOf(request);
    const ref = await objectByRef(store, viewerOf(user), request.params.id);
    if (!ref) throw notFound('object');
    const stored = await changeable(user, ref.eventId, (u, e) => mayDeleteItem(u, e));
    const hard = request.params.hard === '1' || request.params.hard === 'true' || flagField((request.body ?? {}) as Fields, 'hard') === true;
    if (hard) {
      refuseUnless(mayDeleteItem(user, eventFacts(stored), true), 'Only site admins may delete objects for good.');
      await purgeObject(store, ref.id);
      return { message: 'Object deleted' };
    }
    await writes.update(softDeletion(stored, ref.uuid, currentSecond())!);
    return { message: 'Object deleted' };
  };
  app.post('/objects/delete/:id', remove);
  app.delete('/objects/delete/:id', remove);
  app.post('/objects/delete/:id/:hard', remove);

  // --- object references ---
  const addReference = async (request: FastifyRequest<{ Params: { object?: string } }>) => {
    const user = userOf(request);
    refuseUnless(mayAddItems(user), lacking('perm_add'));
    const raw = modelBody(request.body, 'ObjectReference', 'The object reference could not be saved.');
    const objectText = request.params.object ?? textField(raw, 'object_uuid') ?? textField(raw, 'object_id');
    const ref = objectText === undefined ? undefined : await objectByRef(store, viewerOf(user), objectText);
    if (!ref) throw notFound('object');
    const stored = await changeable(user, ref.eventId, mayAddItem);
    const current = stored.objects.find((o) => o.uuid === ref.uuid)!;
    const timestamp = changedItemStamp(current.timestamp);
    const referenced = textField(raw, 'referenced_uuid')?.toLowerCase();
    const relationship = textField(raw, 'relationship_type');
    const errors: Record<string, string[]> = {};
    if (!referenced || !isUuid(referenced)) errors.referenced_uuid = ['the uuid of the attribute or object referred to is required'];
    if (!relationship) errors.relationship_type = ['a relationship type is required'];
    if (Object.keys(errors).length > 0) throw new ApiError(403, 'The object reference could not be saved.', { errors });
    const reference: ObjectReference = {
      uuid: (textField(raw, 'uuid') ?? randomUUID()).toLowerCase(), referenced_uuid: referenced!, relationship_type: relationship!,
      comment: textField(raw, 'comment') ?? '', timestamp, deleted: false,
    };
    await write(user, stored, [{ ...current, timestamp, attributes: [], references: [reference] }]);
    const doc = await objectDocument(user, stored.id, current.uuid);
    const saved = doc.Object.ObjectReference.find((r) => r.uuid === reference.uuid);
    if (!saved) throw new ApiError(403, 'The object reference could not be saved: another object holds its uuid.');
    return { ObjectReference: { ...saved, object_uuid: current.uuid } };
  };
  app.post('/objectReferences/add', addReference);
  app.post('/objectReferences/add/:object', addReference);

  const removeReference = async (request: FastifyRequest<{ Params: { id: string; hard?: string } }>) => {
    const user = userOf(request);
    const ref = await referenceByRef(store, viewerOf(user), request.params.id);
    if (!ref) throw notFound('object reference');
    const stored = await changeable(user, ref.eventId, (u, e) => mayDeleteItem(u, e));
    if (request.params.hard === 'true' || request.params.hard === '1') {
      await purgeReference(store, ref.id);
      return { saved: true, success: true, name: 'ObjectReference deleted.', message: 'ObjectReference deleted.', url: request.url.split('?')[0] };
    }
    const current = stored.objects.find((o) => o.uuid === ref.objectUuid)!;
    const reference = current.references.find((r) => r.uuid === ref.uuid)!;
    const timestamp = changedItemStamp(reference.timestamp);
    await write(user, stored, [{ ...current, timestamp: Math.max(timestamp, changedItemStamp(current.timestamp)), attributes: [], references: [{ ...reference, deleted: true, timestamp }] }]);
    return { saved: true, success: true, name: 'ObjectReference deleted.', message: 'ObjectReference deleted.', url: request.url.split('?')[0] };
  };
  app.post('/objectReferences/delete/:id', removeReference);
  app.delete('/objectReferences/delete/:id', removeReference);
  app.post('/objectReferences/delete/:id/:hard', removeReference);
}
