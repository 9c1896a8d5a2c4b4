import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { viewerOf } from '../access/viewer.js';
import { DecayScorer } from '../services/decay/scores.js';
import { feedLookupFor } from '../services/feeds/hits.js';
import { prepareExport, type Export, type ExportRequest } from '../services/export/loop.js';
import { attributeSearch, restQueryOf } from '../services/search/rest-query.js';
import type { ApiContext } from './context.js';
import { userOf } from './session.js';

/**
 * Sends an export: an answer of one piece goes whole (most searches: no stream to set up), a longer one
 * streams, so that it starts at once and the server holds one page of it at a time.
 *
 * Between two pieces the stream gives the event loop a turn. The store answers synchronously, so a
 * piece costs only microtasks: while the socket takes all it is given (a client reading as fast as
 * loopback allows) nothing else would run until the whole answer was sent, and a 160 MB search held every
 * other request of the server for its whole length (bench/stall.ts). A piece is a page of a few hundred
 * attributes or one event, a few milliseconds of work; when the client reads slowly, the socket's
 * backpressure pauses the stream and the server holds what the socket buffers.
 */
export async function sendExport(reply: FastifyReply, out: Export): Promise<FastifyReply> {
  const it = out.chunks[Symbol.asyncIterator]();
  const first = await it.next();
  const second = first.done ? first : await it.next();
  reply.type(out.contentType);
  if (second.done) return reply.send(first.done ? '' : first.value);
  async function* rest(): AsyncGenerator<string> {
    yield first.value as string;
    for (let next = second; !next.done; next = await it.next()) {
      await nextTurn();
      yield next.value;
    }
  }
  return reply.send(Readable.from(rest()));
}

/**
 * attributes/restSearch and events/restSearch: the query parsed once, answered by the export loop in
 * the format it asks for, as the user may see the data.
 */
export async function answerRestSearch(
  request: FastifyRequest, reply: FastifyReply, ctx: Pick<ApiContext, 'store' | 'settings' | 'libraries' | 'exportThreads'>, of: 'attributes' | 'events',
): Promise<FastifyReply> {
  const search = attributeSearch(restQueryOf(request), of);
  const user = userOf(request);
  const viewer = viewerOf(user);
  const baseUrl = `${request.protocol}://${request.headers.host ?? 'localhost'}`;
  const exportRequest: ExportRequest = {
    format: search.returnFormat, options: search.query, includeCorrelations: search.includeCorrelations,
    includeAnalystData: search.includeAnalystData, withoutAttachments: !search.withAttachments,
    scope: of === 'attributes' ? { attributes: search.filter } : { events: { matching: search.filter, content: search.content } },
    stixContainer: search.query.stix_container,
  };
  // Events are read and written whole, one to three thousand attributes at a time: off this thread.
  // Attributes come in pages of a few milliseconds each, which sendExport interleaves with other requests.
  // Decay scores need this server's scorer (the user's models and taxonomy values): those stay here.
  // So do feed hits, which the feeds this user may see decide.
  if (of === 'events' && ctx.exportThreads && !search.decay && !search.includeFeedCorrelations) {
    return sendExport(reply, await ctx.exportThreads.run({ viewer, baseUrl, enforceWarninglist: search.enforceWarninglist, request: exportRequest }));
  }
  const correlation = await ctx.settings.correlation();
  // Scores weigh the tags' numerical values of the enabled taxonomies, as the tags list them.
  const decay = search.decay ? await DecayScorer.load(ctx.store, viewer, search.decay, await ctx.libraries.taxonomies.get(), user.id) : undefined;
  const feeds = search.includeFeedCorrelations && search.returnFormat === 'json' ? await feedLookupFor(ctx.store, user) : undefined;
  const context = {
    store: ctx.store, viewer, correlation, baseUrl, ...(decay ? { decay } : {}), ...(feeds ? { feeds } : {}),
    ...(search.enforceWarninglist ? { warninglists: correlation.warninglists } : {}),
  };
  return sendExport(reply, await prepareExport(context, exportRequest));
}
