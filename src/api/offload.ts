import type { FastifyInstance } from 'fastify';
import type { ExportThreads } from '../services/export/threads.js';

/**
 * The reads whose answers can be large, which the server's thread hands to its pool whole: an event of
 * a hundred thousand attributes is read, shaped and serialised in a few seconds, an index page of
 * thousands of events or a TAXII page of a thousand objects in a fraction of one, and on the server's
 * own thread every other request would wait that long. Streamed answers (restSearch, exports) take
 * another way (exports.ts). By route, as Fastify names them; TAXII's with and without the trailing slash.
 */
const OFFLOADED = new Set([
  'GET /events/index', 'POST /events/index', 'GET /events', 'GET /events/view/:id', 'POST /events/view/:id', 'GET /events/:id',
  ...['objects/', 'manifest/', 'objects/:objectId/', 'objects/:objectId/versions/'].flatMap((page) => {
    const url = `/taxii2/:root/collections/:collection/${page}`;
    return [`GET ${url}`, `GET ${url.slice(0, -1)}`];
  }),
]);

/** Headers of the thread's answer that belong to its own connection, not to this one. */
const HOP_BY_HOP = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'date']);

/**
 * Answers the offloaded routes on `threads`, once this thread knows who asks (a request without a user
 * is refused here as anywhere). The thread's server checks the key again and answers as this one would:
 * same routes, same access policy, same store.
 */
export function offloadLargeReads(app: FastifyInstance, threads: ExportThreads): void {
  app.addHook('preHandler', async (request, reply) => {
    if (!request.user || !OFFLOADED.has(`${request.method} ${request.routeOptions.url}`)) return;
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
