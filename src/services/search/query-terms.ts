import { ServiceError } from '../errors.js';

/**
 * How MISP reads the value of a restSearch filter (its AppModel::convert_filters and resolveTimeDelta),
 * so that every filter takes what MISP takes: one value, `a&&b&&!c`, a list (`!x` for none of x), or
 * PyMISP's build_complex_query object `{"OR": […], "AND": […], "NOT": […]}`; and points in time as epoch
 * seconds (a fraction is cut off), a span back from now (`5d`, `3h`, `30m`, `10s`) or a date, or two of
 * them as a `[from, to]` range.
 */

/** A filter's values by operator: any of `or`, every one of `and`, none of `not`. */
export interface Terms {
  or: string[];
  and: string[];
  not: string[];
}

const bad = (field: string, reason: string) => new ServiceError('invalid', `restSearch: ${field} ${reason}`);

const OPERATORS = ['OR', 'AND', 'NOT'] as const;

function scalar(v: unknown, field: string): string {
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number' || typeof v === 'boolean') return String(typeof v === 'boolean' ? Number(v) : v);
  throw bad(field, 'must hold strings or numbers');
}

/** The most values one filter takes. */
export const MAX_TERMS = 10_000;
/**
 * The most tags one filter takes: each is a condition of its own, SQLite parses at most 1,000 nested
 * ones, and tens of thousands made a query too deep to compile (a stack overflow after 24 s).
 */
export const MAX_TAG_TERMS = 200;
/** The longest `%` pattern: SQLite refuses LIKE patterns of 50,000 bytes (a character is up to 4). */
export const MAX_PATTERN_LENGTH = 10_000;

/** Refuses, naming the filter and the limit, a list or a pattern the store could not search with. */
function bounded(out: Terms, field: string): Terms {
  const count = out.or.length + out.and.length + out.not.length;
  const most = /^(event_)?tags?$/.test(field) ? MAX_TAG_TERMS : MAX_TERMS;
  if (count > most) throw bad(field, `takes at most ${most} values, not ${count}`);
  for (const t of [...out.or, ...out.and, ...out.not]) {
    if (t.length > MAX_PATTERN_LENGTH && t.includes('%')) throw bad(field, `takes patterns (with %) of at most ${MAX_PATTERN_LENGTH} characters, not ${t.length}`);
  }
  return out;
}

/** A filter's value as MISP's convert_filters reads it; undefined when it names nothing. */
export function termsOf(value: unknown, field: string): Terms | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const out: Terms = { or: [], and: [], not: [] };
  const split = (item: string) => (item.startsWith('!') ? out.not.push(item.slice(1)) : out.or.push(item));
  if (typeof value === 'object' && !Array.isArray(value)) {
    const v = value as Record<string, unknown>;
    for (const k of Object.keys(v)) if (!(OPERATORS as readonly string[]).includes(k)) throw bad(field, `takes OR, AND and NOT, not ${k}`);
    for (const op of OPERATORS) {
      const items = v[op] === undefined || v[op] === null ? [] : Array.isArray(v[op]) ? (v[op] as unknown[]) : [v[op]];
      const list = items.map((i) => scalar(i, `${field}.${op}`)).filter((s) => s !== '');
      out[op.toLowerCase() as keyof Terms].push(...list);
    }
  } else if (Array.isArray(value)) {
    for (const item of value) {
      const s = scalar(item, field);
      if (s !== '') split(s);
    }
  } else {
    for (const item of scalar(value, field).split('&&')) if (item.trim() !== '') split(item.trim());
  }
  return out.or.length || out.and.length || out.not.length ? bounded(out, field) : undefined;
}

/**
 * The wanted values of a filter on a column that holds one value per row: MISP compiles an `AND` of
 * exact values as the same `IN (…)` as an `OR`, so both are "any of these" here.
 */
export function anyOf(t: Terms | undefined): string[] | undefined {
  if (!t) return undefined;
  const any = [...t.or, ...t.and];
  return any.length ? any : undefined;
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/**
 * A point in time as MISP's resolveTimeDelta reads it: epoch seconds (a fraction cut off), a span back from
 * now (`5d`, `3h`, `30m`, `10s`, `2w`), or a date. What it cannot read is a moment just after now, as in
 * MISP: a search from then finds nothing (PyMISP's suite expects `[]` for `5x`), rather than a 400.
 */
export function pointInTime(value: unknown, now = Math.floor(Date.now() / 1000)): number {
  const text = String(value).trim();
  if (/^-?\d+(\.\d*)?$/.test(text)) return Math.trunc(Number(text));
  const m = /^(\d+(?:\.\d+)?)([smhdw])$/i.exec(text);
  if (m) return Math.trunc(now - Number(m[1]) * UNITS[m[2]!.toLowerCase()]!);
  if (/^\d{4}-\d{2}-\d{2}([ T][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) {
    const ms = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
    if (!Number.isNaN(ms)) return Math.floor(ms / 1000);
  }
  return now + 1;
}

/** Bounds of a time filter, epoch seconds, inclusive. */
export interface TimeBounds {
  from?: number;
  to?: number;
}

/**
 * A time filter: one point (from then on), or a `[from, to]` range (either order, as MISP swaps them; a
 * `from` of 0 leaves it open). Undefined when the filter is absent.
 */
export function timeBounds(value: unknown, field: string, now = Math.floor(Date.now() / 1000)): TimeBounds | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (Array.isArray(value)) {
    if (value.length !== 2) throw bad(field, 'must be one point in time or a [from, to] pair');
    let [a, b] = value.map((v) => pointInTime(v, now)) as [number, number];
    if (a > b) [a, b] = [b, a];
    return { ...(a !== 0 ? { from: a } : {}), to: b };
  }
  if (typeof value === 'object') throw bad(field, 'must be one point in time or a [from, to] pair');
  const from = pointInTime(value, now);
  return from !== 0 ? { from } : {};
}

/** A day, `YYYY-MM-DD`, from a date or epoch seconds (MISP's `from`, `to`, `date_from`, `date_to`). */
export function dayOf(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const text = String(value).trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return text;
  if (/^\d+(\.\d*)?$/.test(text)) return new Date(Math.trunc(Number(text)) * 1000).toISOString().slice(0, 10);
  throw bad(field, `must be a date (YYYY-MM-DD) or epoch seconds, not ${JSON.stringify(value)}`);
}

/** A yes/no filter: true, false, or undefined when absent or when it asks for both (`[0, 1]`, as MISP reads it). */
export function yesNo(value: unknown, field: string): boolean | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (Array.isArray(value)) {
    const read = new Set(value.map((v) => yesNo(v, field)));
    read.delete(undefined);
    return read.size === 1 ? [...read][0] : undefined;
  }
  if (value === true || value === 1 || value === '1' || value === 'true') return true;
  if (value === false || value === 0 || value === '0' || value === 'false') return false;
  throw bad(field, 'must be true or false (or 1 or 0)');
}
