import type { FastifyInstance, FastifyRequest } from 'fastify';
import { eventIndexQuery } from '../services/search/event-index-query.js';
import { restQueryOf } from '../services/search/rest-query.js';
import { indexPageLimit } from './routes/events.js';
import type { Store } from '../store/db/database.js';
import { eventAttributeCount } from '../store/events/ownership.js';
import { parseEventRef } from '../store/events/reader.js';
import { viewerOf } from '../access/viewer.js';
import type { ExportThreads } from '../services/export/threads.js';

/**
 * The reads whose answers can be large, which the server's thread hands to its pool whole: an event of
 * a hundred thousand attributes is read, shaped and serialised in a few seconds, an index page of
 * thousands of events or a TAXII page of a thousand objects in a fraction of one, and on the server's
 * own thread every other request would wait that long. Streamed answers (restSearch, exports) take
 * another way (exports.ts). By route, as Fastify names them; TAXII's with and without the trailing slash.
 * Each with what tells an answer that is small for sure, which this thread gives itself: handing a
 * request over costs about as much as answering a small one (an index page of 50: 4.8–5.3 ms of CPU
 * handed over against 3.3 ms answered here, issue 16's bench/mixed.ts --only index).
 */
const OFFLOADED = new Map<string, (request: FastifyRequest, store: Store) => boolean | Promise<boolean>>([
  ...['GET /events/index', 'POST /events/index', 'GET /events'].map((route) => [route, smallIndexPage] as const),
  ...['GET /events/view/:id', 'POST /events/view/:id', 'GET /events/:id'].map((route) => [route, smallEvent] as const),
  ...['objects/', 'manifest/', 'objects/:objectId/', 'objects/:objectId/versions/'].flatMap((page) => {
    const url = `/taxii2/:root/collections/:collection/${page}`;
    return [[`GET ${url}`, never] as const, [`GET ${url.slice(0, -1)}`, never] as const];
  }),
]);

/** Events of up to this many attributes are answered by the thread the request came to (about 15 ms of work at most). */
const SMALL_EVENT = 500;

/** An event of at most SMALL_EVENT attributes, or none the user may see (answered 404 here as well). */
async function smallEvent(request: FastifyRequest, store: Store): Promise<boolean> {
  const ref = parseEventRef((request.params as { id?: string }).id ?? '');
  if (!ref || !request.user) return true;
  const count = await eventAttributeCount(store, viewerOf(request.user), ref);
  return count === undefined || count <= SMALL_EVENT;
}

function never(): boolean {
  return false;
}

/** Index pages of up to this many events are answered by the thread the request came to. */
const SMALL_INDEX_PAGE = 100;

/** An index page of at most SMALL_INDEX_PAGE events; a limit the index refuses is refused here as well. */
function smallIndexPage(request: FastifyRequest): boolean {
  try {
    return indexPageLimit(eventIndexQuery(restQueryOf(request))) <= SMALL_INDEX_PAGE;
  } catch {
    return true;
  }
}

/** Headers of the thread's answer that belong to its own connection, not to this one. */
const HOP_BY_HOP = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'date']);

/**
 * Answers the offloaded routes on `threads`, once this thread knows who asks (a request without a user
 * is refused here as anywhere). The thread's server checks the key again and answers as this one would:
 * same routes, same access policy, same store.
 */
export function offloadLargeReads(app: FastifyInstance, threads: ExportThreads, store: Store): void {
  app.addHook('preHandler', async (request, reply) => {
    const small = OFFLOADED.get(`${request.method} ${request.routeOptions.url}`);
    if (!request.user || !small || (await small(request, store))) return;
    // The body goes as this server parsed it (decompressed, read from whichever type it came in), as JSON.
    const { 'content-length': _length, 'transfer-encoding': _transfer, 'content-encoding': _encoding, 'content-type': type, ...headers } = request.headers;
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    const answer = await threads.answer({
      method: request.method, url: request.url, remoteAddress: request.ip,
      ...(body !== undefined ? { body, headers: { ...headers, 'content-type': 'application/json' } } : { headers: type === undefined ? headers : { ...headers, 'content-type': type } }),
    });
    reply.code(answer.status);
    for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) reply.header(name, value);
    return reply.send(Buffer.from(answer.body.buffer, answer.body.byteOffset, answer.body.byteLength));
  });
}
