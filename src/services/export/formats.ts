import { EXPORT_FORMATS, type Exporter, type ExportFormat } from '../../formats/exports/index.js';
import type { AttributeFilter } from '../../store/search/attributes.js';
import { ServiceError } from '../errors.js';
import type { RestQuery } from '../search/rest-query.js';

/** The line format a restSearch asks for, or a failure listing those there are. */
export function lineFormat(name: string): ExportFormat {
  const format = EXPORT_FORMATS[name];
  if (!format) throw new ServiceError('invalid', `restSearch: returnFormat "${name}" is not one of json, ${Object.keys(EXPORT_FORMATS).join(', ')}`);
  return format;
}

/** The exporter of a line format with the query's options; an option it refuses is the query's fault. */
export function lineExporter(format: ExportFormat, options: RestQuery, baseUrl: string): Exporter {
  try {
    return format.make({ ...options, baseUrl });
  } catch (err) {
    throw new ServiceError('invalid', `restSearch: ${(err as Error).message}`);
  }
}

/**
 * The filter a line format exports: detection formats take MISP's defaults (to_ids attributes of
 * published events only) unless the query sets them.
 */
export function withDetectionDefaults(format: ExportFormat, filter: AttributeFilter, options: RestQuery): AttributeFilter {
  if (!format.detection) return filter;
  return {
    ...filter,
    ...(options.to_ids === undefined ? { toIds: true } : {}),
    ...(options.published === undefined ? { published: true } : {}),
  };
}

export type StixContainer = 'report' | 'grouping';

/** What each event of a STIX bundle becomes: a report unless the query asks for groupings. */
export function stixContainerOf(value: unknown): StixContainer {
  const container = value ?? 'report';
  if (container !== 'report' && container !== 'grouping') throw new ServiceError('invalid', 'restSearch: stix_container must be report or grouping');
  return container;
}
