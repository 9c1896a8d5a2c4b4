import { isCompositeType } from '../model/types.js';

/**
 * Types whose values never correlate: exactly MISP's list (MispAttribute::NON_CORRELATING_TYPES). Free
 * text, `other` and datetimes do correlate, as in MISP: CVE ids, handles and dates written as text are
 * what links many real events; a text value held by too many events is held back by over-correlation.
 */
export const NON_CORRELATING_TYPES: readonly string[] = [
  'comment', 'http-method', 'aba-rtn', 'gender', 'counter', 'integer', 'float', 'port', 'nationality',
  'cortex', 'boolean', 'anonymised',
];

/** Composite types of which only the first part correlates (a port alone means nothing). */
export const PRIMARY_ONLY_TYPES: readonly string[] = ['ip-src|port', 'ip-dst|port', 'hostname|port'];

const nonCorrelating = new Set(NON_CORRELATING_TYPES);
const primaryOnly = new Set(PRIMARY_ONLY_TYPES);

export function correlates(type: string): boolean {
  return !nonCorrelating.has(type);
}

/**
 * Whether an attribute takes part in correlation: the same rule as the store's SQL predicate
 * (`correlating` in src/store/values/index.ts), for what is being written.
 */
export function attributeCorrelates(a: { type: string; deleted: boolean; disable_correlation: boolean }, eventDisabled: boolean, objectDeleted: boolean): boolean {
  return correlates(a.type) && !a.deleted && !a.disable_correlation && !eventDisabled && !objectDeleted;
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

const IP_FIRST = new Set(['ip-src', 'ip-dst', 'ip-src|port', 'ip-dst|port']);

/** Which stored part of a value of this type is an address or range: what CIDR correlation compares. */
export function ipPartOf(type: string): 1 | 2 | undefined {
  if (IP_FIRST.has(type)) return 1;
  return type === 'domain|ip' ? 2 : undefined;
}
