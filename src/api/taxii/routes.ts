import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { softDeletion } from '../../model/deletion.js';
import { isUuid } from '../../model/event.js';
import type { StixObject } from '../../formats/stix/observables.js';
import { mispDataOf } from '../../formats/stix/misp-extension.js';
import { loadEvent } from '../../store/events/reader.js';
import { eventOwnership } from '../../store/events/ownership.js';
import { deleteEvent } from '../../store/events/writer.js';
import {
  eventsHoldingUuid, loadTaxiiStatus, saveTaxiiStatus, taxiiApiRoots, taxiiCollections, type TaxiiCollection,
} from '../../store/taxii.js';
import type { User } from '../../store/access/users.js';
import { clientError } from '../errors.js';
import { documented } from '../openapi.js';
import { mayChangeEvent } from '../../access/policy/events.js';
import { mayReadCollection, mayWriteCollection } from '../../access/policy/taxii.js';
import { viewerOf } from '../../access/viewer.js';
import { readingStore } from '../../store/replicas/index.js';
import { importStix } from '../../services/import/documents.js';
import type { Placement } from '../../services/import/pipeline.js';
import { acceptsTaxii, errorResource, isTaxiiContent, STIX_MEDIA, TAXII_MEDIA, TaxiiError } from './media.js';
import { decodePosition, encodePosition, EventObjectsCache, readPage, versionOf, type Entry, type ObjectFilter, type Position } from './object-pages.js';
import type { ApiContext } from '../context.js';
import { parseJsonBody } from '../json-body.js';

type Query = Record<string, string | undefined>;
type Params = { root: string; collection: string; objectId: string; status: string };
type Req = FastifyRequest<{ Params: Partial<Params>; Querystring: Query }>;

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
/** STIX types that stand for one MISP item, which a DELETE can remove; the others are derived from events' content. */
const DELETABLE = new Set(['report', 'grouping', 'indicator', 'observed-data', 'vulnerability', 'x-misp-attribute', 'x-misp-object']);

const list = (v: string | undefined) => (v === undefined ? undefined : new Set(v.split(',').map((s) => s.trim()).filter(Boolean)));

/** TAXII's filters from the query string; each bad one is a 400 naming it. */
function filterOf(q: Query, objectId?: string): ObjectFilter {
  const filter: ObjectFilter = {};
  const ids = objectId !== undefined ? new Set([objectId]) : list(q['match[id]']);
  if (ids) filter.ids = ids;
  const types = list(q['match[type]']);
  if (types) filter.types = types;
  const specVersions = list(q['match[spec_version]']);
  if (specVersions) filter.specVersions = specVersions;
  const versions = list(q['match[version]']);
  // Cairn keeps one version of each object (the current one), which `first`, `last` and `all` all name.
  if (versions && ![...versions].some((v) => v === 'first' || v === 'last' || v === 'all')) {
    const times = [...versions].map((v) => Date.parse(v));
    if (times.some(Number.isNaN)) throw new TaxiiError(400, 'Invalid match[version]', 'match[version] takes first, last, all or timestamps');
    filter.versions = new Set(times);
  }
  if (q.added_after !== undefined) {
    const t = Date.parse(q.added_after);
    if (Number.isNaN(t)) throw new TaxiiError(400, 'Invalid added_after', 'added_after must be a timestamp such as 2026-01-01T00:00:00.000Z');
    filter.addedAfter = t;
  }
  return filter;
}

function limitOf(q: Query): number {
  if (q.limit === undefined) return DEFAULT_LIMIT;
  if (!/^\d+$/.test(q.limit) || Number(q.limit) < 1) throw new TaxiiError(400, 'Invalid limit', 'limit must be a whole number of at least 1');
  return Math.min(Number(q.limit), MAX_LIMIT);
}

function nextOf(q: Query): Position | undefined {
  return q.next === undefined ? undefined : decodePosition(q.next);
}

/** The user behind a TAXII request: without valid credentials, a 401 that asks for them. */
function taxiiUser(request: FastifyRequest): User {
  if (!request.user) {
    throw new TaxiiError(401, 'Authentication required', 'Send HTTP Basic credentials (your e-mail address and an API key) or the API key in Authorization',
      { 'WWW-Authenticate': 'Basic realm="Cairn TAXII", charset="UTF-8"' });
  }
  return request.user;
}

/** Sent as bytes: Fastify would otherwise rewrite the media type of a JSON text (quoting the version, adding a charset). */
function send(reply: FastifyReply, body: unknown, status = 200): FastifyReply {
  return reply.status(status).header('content-type', TAXII_MEDIA).send(Buffer.from(JSON.stringify(body)));
}

/** The date-added headers of an answer that lists objects. */
function withDates(reply: FastifyReply, entries: readonly Entry[]): FastifyReply {
  if (entries.length === 0) return reply;
  const times = entries.map((e) => e.dateAdded);
  return reply.header('X-TAXII-Date-Added-First', new Date(Math.min(...times)).toISOString())
    .header('X-TAXII-Date-Added-Last', new Date(Math.max(...times)).toISOString());
}

function envelopeOf(page: { entries: Entry[]; next?: Position }, member: string, item: (e: Entry) => unknown): Record<string, unknown> {
  return {
    more: page.next !== undefined,
    ...(page.next ? { next: encodePosition(page.next) } : {}),
    ...(page.entries.length ? { [member]: page.entries.map(item) } : {}),
  };
}

/** A TAXII 2.1 server over the events, to be registered under the prefix /taxii2: discovery, API roots, collections, objects, manifests, versions, status. */
export async function taxiiRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store, writes, bodyLimit: maxContentLength } = ctx;
  const cache = new EventObjectsCache(store);
  documented(app, 'TAXII 2.1', {
    'GET /taxii2/': { summary: 'TAXII discovery: the API roots' },
    'GET /taxii2/:root/': { summary: 'An API root' },
    'GET /taxii2/:root/status/:status/': { summary: 'The status of an earlier POST of objects' },
    'GET /taxii2/:root/collections/': { summary: 'The collections you may read' },
    'GET /taxii2/:root/collections/:collection/': { summary: 'One collection' },
    'GET /taxii2/:root/collections/:collection/objects/': { summary: 'Objects of a collection (added_after, limit, next, match[id|type|version|spec_version])' },
    'POST /taxii2/:root/collections/:collection/objects/': { summary: 'Add objects (a TAXII envelope); answers 202 with a status' },
    'GET /taxii2/:root/collections/:collection/objects/:objectId/': { summary: 'One object of a collection' },
    'DELETE /taxii2/:root/collections/:collection/objects/:objectId/': { summary: 'Delete an object: the event, attribute or object it stands for' },
    'GET /taxii2/:root/collections/:collection/objects/:objectId/versions/': { summary: 'The versions of an object' },
    'GET /taxii2/:root/collections/:collection/manifest/': { summary: 'What a collection holds: id, date added, version and media type of each object' },
  });

  app.addContentTypeParser('application/taxii+json', { parseAs: 'buffer' }, (_request, body, done) => {
    const parsed = parseJsonBody(body as Buffer);
    if (parsed.ok && parsed.value !== undefined) done(null, parsed.value);
    else done(new TaxiiError(400, 'Invalid JSON', parsed.ok ? 'The request body is empty.' : parsed.message), undefined);
  });
  app.addHook('onRequest', async (request) => {
    if (!acceptsTaxii(request.headers.accept)) throw new TaxiiError(406, 'Not Acceptable', `This server answers in ${TAXII_MEDIA}`);
  });
  app.setErrorHandler((err: Error, request, reply) => {
    if (err instanceof TaxiiError) return send(reply.headers(err.headers), errorResource(err.status, err.title, err.description), err.status);
    const failure = clientError(err, request.routeOptions.config);
    if (failure) return send(reply, errorResource(failure.status, failure.message, JSON.stringify(failure.details) === '{}' ? undefined : JSON.stringify(failure.details)), failure.status);
    const status = (err as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) return send(reply, errorResource(status, err.message), status);
    request.log.error({ err, method: request.method, url: request.url }, 'internal error');
    // TAXII's error message has a field for the id that finds the log line.
    return send(reply.header('X-Request-Id', request.id), { ...errorResource(500, 'Internal error', `It has been logged with the request id ${request.id}.`), error_id: request.id }, 500);
  });
  app.setNotFoundHandler((request, reply) => send(reply, errorResource(404, 'Not found', `There is no ${request.method} ${request.url.split('?')[0]} in this TAXII server.`), 404));

  /** Registers a route with and without its trailing slash: TAXII's addresses end with one, clients' do not always. */
  const route = (method: 'GET' | 'POST' | 'DELETE', path: string, handler: (request: Req, reply: FastifyReply) => Promise<unknown>) => {
    const bare = path === '/' ? '/' : path.slice(0, -1);
    app.route({ method, url: path, handler, prefixTrailingSlash: 'slash' });
    app.route({ method, url: bare, handler, prefixTrailingSlash: 'no-slash', schema: { hide: true } as never });
  };

  const rootOf = async (request: Req): Promise<string> => {
    const root = request.params.root ?? '';
    if (!(await taxiiApiRoots(store)).includes(root)) throw new TaxiiError(404, 'API root not found', `There is no API root "${root}".`);
    return root;
  };

  const collectionOf = async (request: Req, user: User): Promise<TaxiiCollection> => {
    const root = await rootOf(request);
    const id = request.params.collection ?? '';
    const found = (await taxiiCollections(store, viewerOf(user), root)).find((c) => c.id === id || c.alias === id);
    if (!found) throw new TaxiiError(404, 'Collection not found', `There is no collection "${id}" in "${root}" that you may read.`);
    return found;
  };

  const mayWrite = mayWriteCollection;

  const collectionResource = (user: User, c: TaxiiCollection) => ({
    id: c.id, title: c.title, ...(c.description ? { description: c.description } : {}), ...(c.alias ? { alias: c.alias } : {}),
    can_read: mayReadCollection(user, c), can_write: mayWrite(user, c), media_types: [STIX_MEDIA],
  });

  const baseUrl = (request: FastifyRequest) => `${request.protocol}://${request.host}`;

  route('GET', '/', async (request, reply) => {
    taxiiUser(request);
    const roots = (await taxiiApiRoots(store)).map((r) => `${baseUrl(request)}/taxii2/${encodeURIComponent(r)}/`);
    return send(reply, {
      title: 'Cairn TAXII 2.1', description: 'The events of this Cairn instance, as STIX 2.1, under the access rules of its MISP API.',
      ...(roots.length ? { default: roots[0] } : {}), api_roots: roots,
    });
  });

  route('GET', '/:root/', async (request, reply) => {
    taxiiUser(request);
    const root = await rootOf(request);
    return send(reply, { title: `Cairn: ${root}`, description: `Collections of events of the API root "${root}".`, versions: [TAXII_MEDIA], max_content_length: maxContentLength });
  });

  route('GET', '/:root/status/:status/', async (request, reply) => {
    const user = taxiiUser(request);
    await rootOf(request);
    const status = await loadTaxiiStatus(store, request.params.status ?? '', user.id);
    if (!status) throw new TaxiiError(404, 'Status not found', 'There is no status of that id for you.');
    return send(reply, status);
  });

  route('GET', '/:root/collections/', async (request, reply) => {
    const user = taxiiUser(request);
    const collections = await taxiiCollections(store, viewerOf(user), await rootOf(request));
    return send(reply, { collections: collections.map((c) => collectionResource(user, c)) });
  });

  route('GET', '/:root/collections/:collection/', async (request, reply) => {
    const user = taxiiUser(request);
    return send(reply, collectionResource(user, await collectionOf(request, user)));
  });

  /**
   * A page of a collection's objects as the query asks; for one object, read only in the events that
   * hold its uuid when it names an event, attribute, object or sighting.
   */
  const pageOf = async (request: Req, user: User, objectId?: string, from = nextOf(request.query)) => {
    const collection = await collectionOf(request, user);
    const uuid = objectId?.slice(objectId.indexOf('--') + 2);
    const reader = await readingStore(store, viewerOf(user));
    const holders = uuid && isUuid(uuid) ? await eventsHoldingUuid(reader, viewerOf(user), uuid) : [];
    const filter = filterOf(request.query, objectId);
    return readPage(reader, cache, viewerOf(user), collection, {
      filter, limit: limitOf(request.query), ...(from ? { from } : {}), ...(holders.length ? { within: holders } : {}),
      ...(objectId !== undefined && !filter.versions ? { latest: true } : {}),
    });
  };

  /** The copy of one object the user may see in the collection, read page after page; undefined when there is none. */
  const findObject = async (request: Req, user: User, objectId: string): Promise<Entry | undefined> => {
    let from: Position | undefined;
    for (;;) {
      const page = await pageOf(request, user, objectId, from);
      if (page.entries.length || !page.next) return page.entries[0];
      from = page.next;
    }
  };

  route('GET', '/:root/collections/:collection/objects/', async (request, reply) => {
    const page = await pageOf(request, taxiiUser(request));
    return send(withDates(reply, page.entries), envelopeOf(page, 'objects', (e) => e.object));
  });

  route('GET', '/:root/collections/:collection/manifest/', async (request, reply) => {
    const page = await pageOf(request, taxiiUser(request));
    return send(withDates(reply, page.entries), envelopeOf(page, 'objects', (e) => ({ id: e.object.id, date_added: new Date(e.dateAdded).toISOString(), version: e.version, media_type: STIX_MEDIA })));
  });

  /** The page holding one object; a 404 when the collection holds none the user may see. */
  const objectPage = async (request: Req, user: User) => {
    const objectId = request.params.objectId ?? '';
    const page = await pageOf(request, user, objectId);
    if (page.entries.length === 0 && !page.next) throw new TaxiiError(404, 'Object not found', `The collection holds no object ${objectId} that you may see.`);
    return page;
  };

  route('GET', '/:root/collections/:collection/objects/:objectId/', async (request, reply) => {
    const user = taxiiUser(request);
    const page = await objectPage(request, user);
    return send(withDates(reply, page.entries), envelopeOf(page, 'objects', (e) => e.object));
  });

  route('GET', '/:root/collections/:collection/objects/:objectId/versions/', async (request, reply) => {
    const user = taxiiUser(request);
    const page = await objectPage(request, user);
    const versions = [...new Set(page.entries.map((e) => e.version))].sort();
    return send(withDates(reply, page.entries), { more: page.next !== undefined, ...(page.next ? { next: encodePosition(page.next) } : {}), versions });
  });

  route('POST', '/:root/collections/:collection/objects/', async (request, reply) => {
    const user = taxiiUser(request);
    const collection = await collectionOf(request, user);
    if (!isTaxiiContent(request.headers['content-type'])) throw new TaxiiError(415, 'Unsupported Media Type', `Send the envelope as ${TAXII_MEDIA}`);
    if (!mayWrite(user, collection)) throw new TaxiiError(403, 'Forbidden', 'You may not add objects to this collection.');
    const body = request.body as { objects?: unknown } | undefined;
    const objects = body?.objects;
    if (!Array.isArray(objects) || objects.some((o) => typeof o !== 'object' || o === null || typeof o.id !== 'string' || typeof o.type !== 'string')) {
      throw new TaxiiError(400, 'Invalid envelope', 'The body must be a TAXII envelope: {"objects": [...]}, each object with a type and an id');
    }
    const requestedAt = Date.now();
    const requested = new Date(requestedAt).toISOString();
    const placement: Placement = collection.kind === 'tag' && collection.tag ? { tag: collection.tag }
      : collection.kind === 'sharing-group' && collection.sharingGroupId !== null ? { sharingGroupId: collection.sharingGroupId } : {};
    // Without a bundle id, loose objects sent again land in the same event again.
    const result = await importStix(store, writes, { kind: 'user', user }, { type: 'bundle', objects }, { placement });
    const posted = objects as StixObject[];
    const successes = posted.filter((o) => !result.failures.has(o.id)).map((o) => ({ id: o.id, version: versionOf(o, requestedAt) }));
    const failures = posted.filter((o) => result.failures.has(o.id)).map((o) => ({ id: o.id, version: versionOf(o, requestedAt), message: result.failures.get(o.id)! }));
    const status = {
      id: randomUUID(), status: 'complete', request_timestamp: requested, total_count: posted.length,
      success_count: successes.length, successes, failure_count: failures.length, failures, pending_count: 0, pendings: [],
    };
    await saveTaxiiStatus(store, status.id, user.id, status);
    return send(reply, status, 202);
  });

  route('DELETE', '/:root/collections/:collection/objects/:objectId/', async (request, reply) => {
    const user = taxiiUser(request);
    const collection = await collectionOf(request, user);
    const objectId = request.params.objectId ?? '';
    const type = objectId.slice(0, objectId.indexOf('--'));
    if (!mayWrite(user, collection)) throw new TaxiiError(403, 'Forbidden', 'You may not delete objects of this collection.');
    const notFound = new TaxiiError(404, 'Object not found', `The collection holds no object ${objectId} that you may see.`);
    // What a GET answers, a DELETE finds: derived objects and ids made from MISP uuids that are not RFC 4122 ones too.
    const entry = await findObject(request, user, objectId);
    if (!entry) throw notFound;
    if (!DELETABLE.has(type)) {
      throw new TaxiiError(403, 'Forbidden', `A ${type} is not stored as such: it is derived from the content of the events that hold it. `
        + 'Delete the report, grouping, indicator, observed data, vulnerability or x-misp-* object it comes from instead.');
    }
    const viewer = viewerOf(user);
    const owned = await eventOwnership(store, viewer, { id: entry.eventId });
    if (!owned || !mayChangeEvent(user, owned)) throw new TaxiiError(403, 'Forbidden', 'You may not change the event that holds this object.');
    if (type === 'report' || type === 'grouping') {
      await deleteEvent(store, entry.eventId);
    } else {
      // The MISP uuid the object stands for: Cairn's extension carries it when the STIX id could not.
      const item = mispDataOf(entry.object, 'attribute') ?? mispDataOf(entry.object, 'object');
      const uuid = typeof item?.uuid === 'string' ? item.uuid : objectId.slice(objectId.indexOf('--') + 2);
      // Only a deletion within the event needs the event whole.
      const stored = await loadEvent(store, viewer, { id: entry.eventId }, { includeDeleted: true });
      const change = stored && softDeletion(stored, uuid, Math.floor(Date.now() / 1000));
      if (!change) throw notFound;
      await writes.update(change);
    }
    return reply.status(200).header('content-type', TAXII_MEDIA).send();
  });
}
