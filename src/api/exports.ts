import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Viewer } from '../access/viewer.js';
import type { WarninglistIndex } from '../correlation/warninglists/index.js';
import { warninglistsOf } from '../correlation/warninglists/enforce.js';
import { EXPORT_FORMATS, type Exporter, type ExportFormat } from '../formats/exports/index.js';
import type { Store } from '../store/database.js';
import { exportAttributes } from '../store/export-stream.js';
import type { AttributeFilter } from '../store/search.js';
import { ApiError } from './errors.js';
import type { AttributeSearch } from '../services/search/rest-query.js';

/** The export format a restSearch asks for, or a 400 listing those there are. */
export function exportFormat(name: string): ExportFormat {
  const format = EXPORT_FORMATS[name];
  if (!format) throw new ApiError(400, `restSearch: returnFormat "${name}" is not one of json, ${Object.keys(EXPORT_FORMATS).join(', ')}`);
  return format;
}

/**
 * Streams the attributes a search finds in a line-oriented format: the answer starts at once and the
 * server holds one page of attributes at a time, whatever the size of the export. Detection formats
 * take MISP's defaults (to_ids and published events only) unless the query sets them.
 */
export function sendExport(request: FastifyRequest, reply: FastifyReply, store: Store, viewer: Viewer, search: AttributeSearch,
  scope: Partial<AttributeFilter> = {}, lists?: WarninglistIndex): FastifyReply {
  const format = exportFormat(search.returnFormat);
  const filter: AttributeFilter = { ...search.filter, ...scope };
  if (format.detection) {
    if (search.query.to_ids === undefined) filter.toIds = true;
    if (search.query.published === undefined) filter.published = true;
  }
  let exporter: Exporter;
  try {
    exporter = format.make({ ...search.query, baseUrl: `${request.protocol}://${request.headers.host ?? 'localhost'}` });
  } catch (err) {
    throw new ApiError(400, `restSearch: ${(err as Error).message}`);
  }
  async function* text(): AsyncGenerator<string> {
    yield exporter.header();
    for await (const page of exportAttributes(store, viewer, filter)) {
      let chunk = '';
      for (const a of page) if (!lists || warninglistsOf(lists, a).length === 0) chunk += exporter.add(a);
      if (chunk) yield chunk;
    }
    yield exporter.footer();
  }
  return reply.type(format.contentType).send(Readable.from(text()));
}
