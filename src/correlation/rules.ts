import { isCompositeType } from '../model/types.js';

/**
 * Types whose values never correlate: MISP's own list (comment, counters, ports, booleans, …) and, as
 * Cairn's issue asks, free text and datetimes, which match by accident far more often than by meaning.
 */
export const NON_CORRELATING_TYPES: readonly string[] = [
  'comment', 'http-method', 'aba-rtn', 'gender', 'counter', 'integer', 'float', 'port', 'nationality',
  'cortex', 'boolean', 'anonymised',
  'text', 'other', 'datetime',
];

/** Composite types of which only the first part correlates (a port alone means nothing). */
export const PRIMARY_ONLY_TYPES: readonly string[] = ['ip-src|port', 'ip-dst|port', 'hostname|port'];

const nonCorrelating = new Set(NON_CORRELATING_TYPES);
const primaryOnly = new Set(PRIMARY_ONLY_TYPES);

export function correlates(type: string): boolean {
  return !nonCorrelating.has(type);
}

/** Whether the second part of a value of this type correlates. */
export function secondPartCorrelates(type: string): boolean {
  return isCompositeType(type) && !primaryOnly.has(type) && correlates(type);
}

/** Default instance settings of correlation. */
export const CORRELATION_DEFAULTS = {
  /** A value held by more events than this is over-correlating: flagged, not listed pair by pair. */
  overCorrelationThreshold: 20,
} as const;
