import { isUuid } from '../../model/event.js';
import type { AttributeFilter } from '../../store/search/attributes.js';
import { ServiceError } from '../errors.js';

/** A restSearch query as MISP's query format writes it: the body of a POST, or the query string of a GET. */
export type RestQuery = Record<string, unknown>;

/** The query of a restSearch request: its query string, overridden by the fields of its JSON body. */
export function restQueryOf(request: { query: unknown; body: unknown }): RestQuery {
  const body = request.body;
  if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) {
    throw new ServiceError('invalid', 'restSearch: the body must be a JSON object of filters');
  }
  return { ...(request.query as RestQuery), ...((body as RestQuery | undefined) ?? {}) };
}

export interface AttributeSearch {
  filter: AttributeFilter;
  enforceWarninglist: boolean;
  includeCorrelations: boolean;
  /** Events carry the notes, opinions and relationships on them and their elements (MISP's includeAnalystData). */
  includeAnalystData: boolean;
  returnFormat: string;
  /** The query as sent, for the options of the export formats (`requested_attributes`, `policy`, …). */
  query: RestQuery;
}

const bad = (field: string, reason: string) => new ServiceError('invalid', `restSearch: ${field} ${reason}`);

function list(value: unknown, field: string): string[] | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const items = Array.isArray(value) ? value : [value];
  return items.map((v) => {
    if (typeof v !== 'string' && typeof v !== 'number') throw bad(field, 'must be a string, a number or a list of them');
    return String(v);
  });
}

function bool(value: unknown, field: string): boolean | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (value === true || value === 1 || value === '1' || value === 'true') return true;
  if (value === false || value === 0 || value === '0' || value === 'false') return false;
  throw bad(field, 'must be true or false (or 1 or 0)');
}

function whole(value: unknown, field: string, min: number): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw bad(field, `must be a whole number of ${min} or more, not ${JSON.stringify(value)}`);
  return n;
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** A point in time: epoch seconds, or a span back from now as MISP writes it (`30m`, `12h`, `7d`, `2w`). */
export function timeOf(value: unknown, field: string, now = Math.floor(Date.now() / 1000)): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const text = String(value).trim();
  if (/^\d+$/.test(text)) return Number(text);
  const m = /^(\d+)([smhdw])$/.exec(text);
  if (!m) throw bad(field, `must be epoch seconds or a span such as 7d, 12h or 30m, not ${JSON.stringify(value)}`);
  return now - Number(m[1]) * UNITS[m[2]!]!;
}

/** MISP's tag filter: a list (any of them, `!` for none of them) or `{"AND": […], "OR": […], "NOT": […]}`. */
function tagFilter(value: unknown): Pick<AttributeFilter, 'tags' | 'anyTags' | 'notTags'> {
  if (value === undefined || value === null || value === '') return {};
  if (typeof value === 'object' && !Array.isArray(value)) {
    const v = value as Record<string, unknown>;
    for (const k of Object.keys(v)) if (!['AND', 'OR', 'NOT'].includes(k)) throw bad('tags', `takes AND, OR and NOT, not ${k}`);
    const out: Pick<AttributeFilter, 'tags' | 'anyTags' | 'notTags'> = {};
    const and = list(v.AND, 'tags.AND');
    const or = list(v.OR, 'tags.OR');
    const not = list(v.NOT, 'tags.NOT');
    if (and) out.tags = and;
    if (or) out.anyTags = or;
    if (not) out.notTags = not;
    return out;
  }
  const items = list(value, 'tags')!;
  const anyOf = items.filter((t) => !t.startsWith('!'));
  const noneOf = items.filter((t) => t.startsWith('!')).map((t) => t.slice(1));
  return { ...(anyOf.length ? { anyTags: anyOf } : {}), ...(noneOf.length ? { notTags: noneOf } : {}) };
}

/** The attributes/restSearch query as a store filter; a parameter that does not fit is a 400 naming it. */
export function attributeSearch(query: RestQuery): AttributeSearch {
  const q = (typeof query.request === 'object' && query.request !== null ? query.request : query) as RestQuery;
  const filter: AttributeFilter = { ...tagFilter(q.tags ?? q.tag) };
  const values = list(q.value ?? q.values, 'value');
  if (values) filter.values = values;
  const types = list(q.type, 'type');
  if (types) filter.types = types;
  const categories = list(q.category, 'category');
  if (categories) filter.categories = categories;
  const eventIds = list(q.eventid, 'eventid');
  if (eventIds) {
    if (eventIds.some((e) => !/^\d+$/.test(e))) throw bad('eventid', 'must hold event ids (whole numbers)');
    filter.eventIds = eventIds.map(Number);
  }
  const uuids = list(q.uuid, 'uuid');
  if (uuids) {
    const wrong = uuids.find((u) => !isUuid(u.toLowerCase()));
    if (wrong) throw bad('uuid', `must hold uuids, not ${JSON.stringify(wrong)}`);
    filter.uuids = uuids.map((u) => u.toLowerCase());
  }
  const published = bool(q.published, 'published');
  if (published !== undefined) filter.published = published;
  const day = (v: unknown, field: string) => {
    if (v === undefined || v === null || v === '') return undefined;
    const text = String(v).trim();
    if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return text;
    if (/^\d+$/.test(text)) return new Date(Number(text) * 1000).toISOString().slice(0, 10);
    throw bad(field, `must be a date (YYYY-MM-DD) or epoch seconds, not ${JSON.stringify(v)}`);
  };
  const from = day(q.from, 'from');
  if (from) filter.dateFrom = from;
  const to = day(q.to, 'to');
  if (to) filter.dateTo = to;
  const orgs = list(q.org, 'org');
  if (orgs) {
    const wanted = orgs.filter((o) => !o.startsWith('!'));
    const unwanted = orgs.filter((o) => o.startsWith('!')).map((o) => o.slice(1));
    if (wanted.length) filter.orgs = wanted;
    if (unwanted.length) filter.notOrgs = unwanted;
  }
  const toIds = bool(q.to_ids, 'to_ids');
  if (toIds !== undefined) filter.toIds = toIds;
  const deleted = bool(q.deleted, 'deleted');
  if (deleted) filter.onlyDeleted = true;
  const since = timeOf(q.timestamp, 'timestamp');
  if (since !== undefined) filter.since = since;
  const last = timeOf(q.last, 'last') ?? timeOf(q.publish_timestamp, 'publish_timestamp');
  if (last !== undefined) filter.publishedSince = last;
  const limit = whole(q.limit, 'limit', 1);
  const page = whole(q.page, 'page', 1);
  if (limit !== undefined) {
    filter.limit = limit;
    if (page) filter.offset = (page - 1) * limit;
  }
  return {
    filter,
    enforceWarninglist: bool(q.enforceWarninglist, 'enforceWarninglist') ?? false,
    includeCorrelations: bool(q.includeCorrelations, 'includeCorrelations') ?? false,
    includeAnalystData: bool(q.includeAnalystData, 'includeAnalystData') ?? false,
    returnFormat: typeof q.returnFormat === 'string' ? q.returnFormat.toLowerCase() : 'json',
    query: q,
  };
}
