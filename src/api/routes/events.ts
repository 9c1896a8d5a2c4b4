import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { eventIndexFilter, eventIndexQuery } from '../../services/search/event-index-query.js';
import { restQueryOf } from '../../services/search/rest-query.js';
import { serializeStoredEvent } from '../../formats/misp-json/serialize.js';
import type { StoredEvent, TagRef } from '../../model/event.js';
import type { Store } from '../../store/db/database.js';
import { listEvents, type EventSummary } from '../../store/events/list.js';
import { loadEvent, parseEventRef } from '../../store/events/reader.js';
import { eventOwnership } from '../../store/events/ownership.js';
import { deleteEvent, setProtected, setPublished } from '../../store/events/writer.js';
import { listUsers, type User } from '../../store/access/users.js';
import { recordAudit } from '../../store/access/audit-log.js';
import { addAttributeGalaxies, galaxiesOf } from '../library-documents.js';
import { eventViewOptions, isOn, shapedEvent } from '../event-view-options.js';
import { DecayScorer } from '../../services/decay/scores.js';
import { withDecayScores } from '../../services/export/event-json.js';
import { attachFeedHits } from '../../services/feeds/hits.js';
import { nonExportableTags } from '../../store/tags.js';
import { latestSightings } from '../../store/sightings.js';
import { readingStore } from '../../store/replicas/index.js';
import { importDocuments, importStix, type DocumentImportOptions } from '../../services/import/documents.js';
import { countField, modelBody, saved } from '../body.js';
import { ApiError, notFound, withProblems } from '../errors.js';
import { answerRestSearch } from '../exports.js';
import { sendWithEtag } from '../etag.js';
import { relatedEvents } from '../../services/search/related.js';
import { addEventDocumentExtras } from '../../services/events/document-extras.js';
import { addSharingGroupDocuments } from '../../services/events/sharing-group-documents.js';
import { stampEdit } from '../../services/events/edit-stamps.js';
import { currentSecond } from '../../model/versions.js';
import { lacking, refuseUnless, requirePermission, userOf } from '../session.js';
import { editsAsRemote, mayChange, mayChangeEvent, mayDeleteEvent, mayPublishEvent, mayPublishRole } from '../../access/policy/events.js';
import { viewerOf } from '../../access/viewer.js';
import type { SettingsCache } from '../../services/caches/settings.js';
import { documented } from '../openapi.js';
import { EventIndex, EventView } from '../schemas/answers.js';
import { EVENT_BODY, INDEX_QUERY, REST_SEARCH } from '../schemas/bodies.js';
import type { ApiContext } from '../context.js';

function indexEntry(e: EventSummary) {
  return {
    id: String(e.id), org_id: String(e.org.id), orgc_id: String(e.orgc.id), date: e.date, info: e.info, uuid: e.uuid,
    published: e.published, analysis: String(e.analysis), attribute_count: String(e.attributeCount),
    timestamp: String(e.timestamp), distribution: String(e.distribution), sharing_group_id: String(e.sharingGroupId ?? 0), proposal_email_lock: false,
    locked: e.locked, threat_level_id: String(e.threatLevelId), publish_timestamp: String(e.publishTimestamp), sighting_timestamp: '0',
    disable_correlation: e.disableCorrelation, extends_uuid: '',
    Org: { id: String(e.org.id), name: e.org.name, uuid: e.org.uuid },
    Orgc: { id: String(e.orgc.id), name: e.orgc.name, uuid: e.orgc.uuid },
    EventTag: e.tags.map((t) => ({ Tag: { name: t.name, colour: t.colour } })),
  };
}

const eventBody = (body: unknown) => modelBody(body, 'Event', 'The event could not be saved.');

/**
 * The event's own fields an edit leaves out keep their stored values, as in MISP (which recovers
 * info, analysis, threat level, distribution and date): `{"extends_uuid": …}` alone changes only that.
 */
function storedFields(stored: StoredEvent, raw: Record<string, unknown>): Record<string, unknown> {
  const kept: Record<string, unknown> = {
    info: stored.info, analysis: stored.analysis, threat_level_id: stored.threat_level_id,
    disable_correlation: stored.disable_correlation, extends_uuid: stored.extends_uuid,
  };
  if (raw.distribution === undefined) {
    kept.distribution = stored.distribution;
    const group = stored.sharing_group;
    if (group?.id !== undefined) kept.sharing_group_id = group.id;
    else if (group?.uuid !== undefined) kept.SharingGroup = { uuid: group.uuid };
  }
  return kept;
}

/** How many events a page of events/index holds at most: MISP's `limit`, 1,000 when not given. */
export function indexPageLimit(q: { limit?: unknown }): number {
  return Math.min(countField(q.limit, 'limit', 1000), 10_000);
}

function eventRefOf(request: FastifyRequest<{ Params: { id: string } }>) {
  const ref = parseEventRef(request.params.id);
  if (!ref) throw notFound('event');
  return ref;
}

/** The event without the tags named (MISP's event view leaves out tags marked not exportable). */
function withoutTags(event: StoredEvent, names: ReadonlySet<string>): StoredEvent {
  if (names.size === 0) return event;
  const keep = <T extends { tags: TagRef[] }>(x: T): T => ({ ...x, tags: x.tags.filter((t) => !names.has(t.name)) });
  return { ...keep(event), attributes: event.attributes.map(keep), objects: event.objects.map((o) => ({ ...o, attributes: o.attributes.map(keep) })) };
}

/**
 * The event as MISP's events/view answers, with the related events the user may see (read by id, or as
 * already read for him), shaped by the request's named parameters.
 */
async function eventDocument(store: Store, settings: SettingsCache, user: User, eventOrId: number | StoredEvent, options = eventViewOptions({})) {
  const viewer = viewerOf(user);
  const loaded = typeof eventOrId === 'number' ? await loadEvent(store, viewer, { id: eventOrId }, { includeDeleted: options.deleted !== 'live' }) : eventOrId;
  if (!loaded) throw notFound('event');
  const event = withoutTags(loaded, await nonExportableTags(store));
  const doc = serializeStoredEvent(shapedEvent(event, options), { omitLocalTags: options.excludeLocalTags });
  await addEventDocumentExtras(store, viewer, doc.Event);
  if (!options.excludeGalaxy) await addAttributeGalaxies(store, viewer, doc.Event);
  const related = options.includeEventCorrelations ? await relatedEvents(store, viewer, event.id, await settings.correlation()) : [];
  const tags = options.excludeLocalTags ? event.tags.filter((t) => !t.local) : event.tags;
  if (options.includeFeedCorrelations) await attachFeedHits(store, user, doc.Event as Record<string, unknown>);
  const items = options.metadata ? {} : { ShadowAttribute: doc.Event.ShadowAttribute ?? [], EventReport: doc.Event.EventReport ?? [] };
  return { Event: { ...doc.Event, ...items, protected: event.protected === true, locked: event.locked === true, proposal_email_lock: false, Galaxy: options.excludeGalaxy ? [] : await galaxiesOf(store, viewer, tags), RelatedEvent: related } };
}

/** events/add and events/edit answer the event; `metadata` (MISP's only named parameter there) leaves its items out. */
const savedOptions = (query: unknown) => eventViewOptions({ metadata: (query as { metadata?: unknown } | undefined)?.metadata });

export async function eventRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store, settings, writes } = ctx;
  documented(app, 'Events', {
    'GET /events/index': { summary: 'List the events you may see, newest first (limit and page also as /limit:50/page:2); with an ETag (304 to If-None-Match)', query: INDEX_QUERY, response: EventIndex },
    'POST /events/index': { summary: 'List the events you may see, with filters in the body', body: INDEX_QUERY, response: EventIndex },
    'GET /events': { summary: 'List the events you may see (as events/index)', response: EventIndex },
    'GET /events/view/:id': {
      summary: 'One event by id or uuid, with its attributes, objects, tags, sightings and related events',
      description: "MISP's named parameters: deleted (0, 1 for both, [1] deleted only), noSightings, excludeGalaxy, excludeLocalTags, includeEventCorrelations:0, includeDecayScore; as /name:value segments or in the query string.",
      response: EventView,
    },
    'POST /events/view/:id': { summary: 'One event (as GET), with `deleted` in the body as PyMISP sends it', response: EventView },
    'GET /events/:id': { summary: 'One event (as events/view)', response: EventView },
    'POST /events/add': { summary: 'Add an event as your organisation; rejected attributes are listed in `errors`; with metadata:1 the answer leaves out its items', body: EVENT_BODY, response: EventView },
    'POST /events': { summary: 'Add an event (as events/add)', body: EVENT_BODY, response: EventView },
    'POST /events/contact/:id': { summary: "Ask the event's creator organisation about it (`message`); kept in the audit log, as Cairn sends no e-mail" },
    'POST /events/restSearch': { summary: 'Events the filters find (oldest first), streamed, in any returnFormat', body: REST_SEARCH },
    'GET /events/restSearch': { summary: 'events/restSearch with the filters in the query string' },
    'POST /events/edit/:id': { summary: 'Change an event: the fields and items given replace the stored ones (matched by uuid)', body: EVENT_BODY },
    'PUT /events/edit/:id': { summary: 'Change an event (as POST)', body: EVENT_BODY },
    'PUT /events/:id': { summary: 'Change an event (as events/edit)', body: EVENT_BODY },
    'POST /events/publish/:id': { summary: 'Publish an event (perm_publish)' },
    'POST /events/unpublish/:id': { summary: 'Take an event back to draft (perm_publish)' },
    'POST /events/protect/:id': { summary: 'Switch an event to MISP\'s protected mode: sync users may no longer bring changes to it (Cairn checks no signatures)' },
    'POST /events/unprotect/:id': { summary: 'Switch an event back to the unprotected mode' },
    'DELETE /events/delete/:id': { summary: 'Delete an event and everything in it' },
    'POST /events/delete/:id': { summary: 'Delete an event (as DELETE)' },
    'DELETE /events/:id': { summary: 'Delete an event (as events/delete)' },
    'POST /events/upload_stix/:version': { summary: 'Import a STIX 2.1 bundle (version 2) as events of your organisation; objects with no MISP form are listed in `errors`' },
    'POST /events/upload_stix': { summary: 'Import a STIX 2.1 bundle (as events/upload_stix/2)' },
  });
  // The list carries an ETag: a client polling for changes is answered 304 while nothing it may see changed.
  const index = async (request: FastifyRequest, reply: FastifyReply) => {
    const user = userOf(request);
    const q = eventIndexQuery(restQueryOf(request));
    const limit = indexPageLimit(q);
    const page = countField(q.page, 'page', 1);
    const viewer = viewerOf(user);
    const minimal = q.minimal === true || q.minimal === 1 || q.minimal === '1' || q.minimal === 'true';
    // The minimal index is what a pulling instance reads: as MISP, it leaves out empty and protected events.
    const reader = await readingStore(store, viewer);
    const filter = { ...(await eventIndexFilter(reader, viewer, q)), ...(minimal ? { withContent: true, unprotected: true } : {}) };
    const events = await listEvents(reader, viewer, { limit, page }, filter);
    const sighted = await latestSightings(reader, viewer, events.map((e) => e.id));
    const sightingTimestamp = (e: EventSummary) => String(sighted.get(e.id) ?? 0);
    const answer = minimal
      ? events.map((e) => ({ id: String(e.id), timestamp: String(e.timestamp), sighting_timestamp: sightingTimestamp(e), published: e.published, uuid: e.uuid, orgc_uuid: e.orgc.uuid }))
      : events.map((e) => ({ ...indexEntry(e), sighting_timestamp: sightingTimestamp(e) }));
    return sendWithEtag(request, reply, answer);
  };
  app.get('/events/index', index);
  app.post('/events/index', index);
  app.get('/events', index);

  /** The event the address names, as the user may see it; a 404 when there is none for him. */
  const visibleEvent = async (request: FastifyRequest<{ Params: { id: string } }>, user: User) => {
    const event = await loadEvent(store, viewerOf(user), eventRefOf(request));
    if (!event) throw notFound('event');
    return event;
  };

  /** Who owns the event the address names, when the user may see it: all a publish or a delete needs to decide. */
  const ownedEvent = async (request: FastifyRequest<{ Params: { id: string } }>, user: User) => {
    const event = await eventOwnership(store, viewerOf(user), eventRefOf(request));
    if (!event) throw notFound('event');
    return event;
  };

  // events/view reads MISP's named parameters; PyMISP's get_event(deleted=…) posts `{"deleted": …}` instead.
  const view = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const user = userOf(request);
    const options = eventViewOptions(request.query, request.body);
    const event = await loadEvent(store, viewerOf(user), eventRefOf(request), { includeDeleted: options.deleted !== 'live' });
    if (!event) throw notFound('event');
    const doc = await eventDocument(store, settings, user, event, options);
    // The groups in full, as MISP gives them, so that an instance pulling the event can make them.
    await addSharingGroupDocuments(store, doc.Event, `${request.protocol}://${request.host}`);
    // MISP's includeDecayScore named parameter: each attribute's scores under the enabled models of its type.
    if (isOn((request.query as Record<string, unknown> | undefined)?.includeDecayScore)) {
      const query = { overrides: {}, excludeDecayed: false, fullModel: false };
      await withDecayScores(doc.Event, event, await DecayScorer.load(store, viewerOf(user), query, await ctx.libraries.taxonomies.get(), user.id));
    }
    return doc;
  };
  app.get('/events/view/:id', view);
  app.post('/events/view/:id', view);
  app.get('/events/:id', view);

  /** One event a client sent, through the import pipeline; a refusal is the request's error. */
  const importOne = async (user: User, draft: Record<string, unknown>, options: DocumentImportOptions, reply?: FastifyReply) => {
    const { entries: [entry] } = await importDocuments(store, writes, { kind: 'user', user }, [{ Event: draft }], options);
    if (entry!.status === 'refused') {
      // MISP answers an add of a uuid held already with 404 and where it is: a pushing instance edits it there.
      if (reply && entry!.refusal!.kind === 'exists' && entry!.eventId !== undefined) {
        reply.header('Location', `/events/${entry!.eventId}`);
        throw new ApiError(404, (entry!.refusal!.error as Error).message);
      }
      throw entry!.refusal!.error;
    }
    return entry!;
  };

  const add = async (request: FastifyRequest, reply: FastifyReply) => {
    const user = userOf(request);
    requirePermission(user, 'perm_add');
    const raw = eventBody(request.body);
    const now = Math.floor(Date.now() / 1000);
    // Who owns and created the event is the import pipeline's decision (access/policy/events).
    const draft = {
      ...raw,
      // An event added published is published now, as MISP's add publishes it.
      ...(raw.published === true || raw.published === 1 || raw.published === '1' ? { publish_timestamp: String(now) } : {}),
      uuid: raw.uuid ?? randomUUID(),
      timestamp: raw.timestamp ?? String(now),
      date: raw.date ?? new Date(now * 1000).toISOString().slice(0, 10),
    };
    const entry = await importOne(user, draft, { mode: 'create' }, reply);
    return withProblems(await eventDocument(store, settings, user, entry.eventId!, savedOptions(request.query)), entry.problems);
  };
  app.post('/events/add', add);
  app.post('/events', add);

  // events/restSearch: the events holding a matching attribute, whole, streamed one at a time.
  const restSearch = (request: FastifyRequest, reply: FastifyReply) => answerRestSearch(request, reply, ctx, 'events');
  app.post('/events/restSearch', restSearch);
  app.get('/events/restSearch', restSearch);

  const edit = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const user = userOf(request);
    const stored = await visibleEvent(request, user);
    // Another instance's sync user is held to MISP's rules for pushed versions by the import pipeline.
    const remote = editsAsRemote(user);
    if (!remote && !mayChange(user, stored)) throw new ApiError(403, 'You are not allowed to edit this event.');
    const raw = eventBody(request.body);
    // An edit names its event by the address; what it changes carries no timestamp, or a newer one. A pushed
    // version keeps its own: one that is not newer than the stored one is refused, as MISP refuses it.
    const stamped = remote ? undefined : stampEdit(raw, stored);
    const timestamp = stamped ? String(stamped.timestamp) : raw.timestamp ?? String(currentSecond());
    // Tags are the event's whole list: an edit that names none keeps the stored ones (and no galaxy adds to them).
    const tags = raw.Tag === undefined ? { Tag: stored.tags, Galaxy: undefined } : {};
    const draft = { ...storedFields(stored, raw), ...raw, ...tags, uuid: stored.uuid, timestamp, date: raw.date ?? stored.date };
    const entry = await importOne(user, draft, { mode: 'update', known: [stored], ...(stamped ? { changedItems: stamped.changed } : {}), defaultDistribution: stored.distribution });
    return withProblems(await eventDocument(store, settings, user, entry.eventId!, savedOptions(request.query)), entry.problems);
  };
  app.post('/events/edit/:id', edit);
  app.put('/events/edit/:id', edit);
  app.put('/events/:id', edit);

  // Publishing needs perm_publish on an event the user may change; MISP queues the alerting job and says so.
  const publishing = (published: boolean) => async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const user = userOf(request);
    // The role is asked first, as MISP's ACL does before it reads the event.
    refuseUnless(mayPublishRole(user), lacking('perm_publish'));
    const event = await ownedEvent(request, user);
    refuseUnless(mayPublishEvent(user, event), `You are not allowed to ${published ? 'publish' : 'unpublish'} this event.`);
    await setPublished(store, event.id, published);
    // As MISP: publishing pushes the event to every server with push on, in the background; one of this organisation only never leaves.
    if (published && event.distribution > 0) void ctx.sync.pushPublished(event.id).catch(() => undefined);
    const url = request.url.split('?')[0];
    const message = published ? 'Job queued' : 'Event unpublished.';
    return { saved: true, success: true, name: message, message, url, id: String(event.id) };
  };
  app.post('/events/publish/:id', publishing(true));

  // MISP's protected mode: the event's owners switch it; it gets a new version and goes back to draft.
  const protecting = (protect: boolean) => async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const user = userOf(request);
    const event = await eventOwnership(store, viewerOf(user), eventRefOf(request));
    // As MISP: an event the user may not change is, to him, no event.
    if (!event || !mayChangeEvent(user, event)) throw notFound('event');
    await setProtected(store, event.id, protect);
    return saved(`Event switched to ${protect ? 'protected' : 'unprotected'} mode.`, request.url.split('?')[0] ?? '', event.id);
  };
  app.post('/events/protect/:id', protecting(true));
  app.post('/events/unprotect/:id', protecting(false));
  app.post('/events/unpublish/:id', publishing(false));

  const remove = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const user = userOf(request);
    const event = await ownedEvent(request, user);
    refuseUnless(mayDeleteEvent(user, event), 'You are not allowed to delete this event.');
    await deleteEvent(store, event.id);
    const url = request.url.split('?')[0];
    return { saved: true, success: true, name: 'Event deleted.', message: 'Event deleted.', url };
  };
  // events/upload_stix/2: a STIX 2.1 bundle, as PyMISP's upload_stix sends it. One event answers as
  // events/view; several as MISP's save message naming them. Either way `errors` lists what was not taken.
  const uploadStix = async (request: FastifyRequest<{ Params: { version?: string } }>) => {
    const user = userOf(request);
    requirePermission(user, 'perm_add');
    if (request.params.version !== undefined && request.params.version !== '2') {
      throw new ApiError(400, 'Only STIX 2 (JSON) is imported: send the bundle to events/upload_stix/2; STIX 1 XML is not supported.');
    }
    const result = await importStix(store, writes, { kind: 'user', user }, request.body);
    const errors = [...result.failures].map(([id, reason]) => `${id}: ${reason}`);
    const stored = result.entries.filter((e) => e.eventId !== undefined);
    const url = request.url.split('?')[0];
    if (stored.length === 0) throw new ApiError(403, 'The STIX document could not be imported.', { errors: errors.length ? errors : ['the bundle holds nothing to import'] });
    if (stored.length === 1) {
      const doc = await eventDocument(store, settings, user, stored[0]!.eventId!);
      return errors.length ? { ...doc, errors } : doc;
    }
    const message = `STIX document imported, events created or updated: ${stored.map((e) => e.eventId).join(', ')}.`;
    return { saved: true, success: true, name: message, message, url, ...(errors.length ? { errors } : {}) };
  };
  app.post('/events/upload_stix', uploadStix);
  app.post('/events/upload_stix/:version', uploadStix);

  app.delete('/events/delete/:id', remove);
  app.post('/events/delete/:id', remove);
  app.delete('/events/:id', remove);

  // MISP's "contact the reporter": the creator organisation's users who take contact alerts hear of it.
  // Cairn sends no e-mail: each message is kept in the audit log, addressed to its recipient.
  app.post<{ Params: { id: string } }>('/events/contact/:id', async (request) => {
    const user = userOf(request);
    const event = await ownedEvent(request, user);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const fields = (body.Event && typeof body.Event === 'object' ? body.Event : body) as Record<string, unknown>;
    const message = typeof fields.message === 'string' ? fields.message.trim() : '';
    if (!message) throw new ApiError(400, 'You must specify a message.', { errors: { message: ['the message to the reporter is required'] } });
    const recipients = await contactRecipients(store, event.orgcUuid);
    if (recipients.length === 0) throw new ApiError(403, 'Sending of email failed.', { errors: { recipients: ['the organisation that created the event has no active user'] } });
    for (const to of recipients) {
      await recordAudit(store, {
        userId: user.id, email: user.email, orgId: user.org.id, ip: request.ip, action: 'contact', model: 'Event', modelId: String(event.id),
        request: `message to ${to.email} (user ${to.id}) about event #${event.id}: ${message}`,
      });
    }
    return saved('Email sent to the reporter.', request.url.split('?')[0] ?? '', event.id);
  });
}

/**
 * Who hears of a message about an event: the active users of its creator organisation who asked for
 * contact alerts, as MISP; when none did, all its active users (MISP also tells the user who created the
 * event, whom Cairn does not record).
 */
async function contactRecipients(store: Store, orgcUuid: string): Promise<User[]> {
  const members = (await listUsers(store)).filter((u) => u.org.uuid === orgcUuid && !u.disabled);
  const alerted = members.filter((u) => u.account?.contactalert);
  return alerted.length > 0 ? alerted : members;
}
