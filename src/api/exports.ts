import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { viewerOf } from '../access/viewer.js';
import type { LibraryCache } from '../services/caches/libraries.js';
import type { SettingsCache } from '../services/caches/settings.js';
import { DecayScorer } from '../services/decay/scores.js';
import { prepareExport, type Export } from '../services/export/loop.js';
import { attributeSearch, restQueryOf } from '../services/search/rest-query.js';
import type { Store } from '../store/db/database.js';
import { userOf } from './session.js';

/**
 * Sends an export: an answer of one piece goes whole (most searches: no stream to set up), a longer one
 * streams, so that it starts at once and the server holds one page of it at a time.
 */
export async function sendExport(reply: FastifyReply, out: Export): Promise<FastifyReply> {
  const it = out.chunks[Symbol.asyncIterator]();
  const first = await it.next();
  const second = first.done ? first : await it.next();
  reply.type(out.contentType);
  if (second.done) return reply.send(first.done ? '' : first.value);
  async function* rest(): AsyncGenerator<string> {
    yield first.value as string;
    for (let next = second; !next.done; next = await it.next()) yield next.value;
  }
  return reply.send(Readable.from(rest()));
}

/**
 * attributes/restSearch and events/restSearch: the query parsed once, answered by the export loop in
 * the format it asks for, as the user may see the data.
 */
export async function answerRestSearch(
  request: FastifyRequest, reply: FastifyReply, caches: { store: Store; settings: SettingsCache; libraries: LibraryCache }, of: 'attributes' | 'events',
): Promise<FastifyReply> {
  const { store, settings, libraries } = caches;
  const search = attributeSearch(restQueryOf(request), of);
  const correlation = await settings.correlation();
  const user = userOf(request);
  const viewer = viewerOf(user);
  // Scores weigh the tags' numerical values of the enabled taxonomies, as the tags list them.
  const decay = search.decay ? await DecayScorer.load(store, viewer, search.decay, await libraries.taxonomies.get(), user.id) : undefined;
  const context = {
    store, viewer, correlation, ...(decay ? { decay } : {}),
    baseUrl: `${request.protocol}://${request.headers.host ?? 'localhost'}`,
    ...(search.enforceWarninglist ? { warninglists: correlation.warninglists } : {}),
  };
  return sendExport(reply, await prepareExport(context, {
    format: search.returnFormat, options: search.query, includeCorrelations: search.includeCorrelations,
    includeAnalystData: search.includeAnalystData, withoutAttachments: !search.withAttachments,
    scope: of === 'attributes' ? { attributes: search.filter } : { events: { matching: search.filter, content: search.content } },
    stixContainer: search.query.stix_container,
  }));
}
