import { isUuid } from '../../model/event.js';
import type { AttributeFilter } from '../../store/search/attributes.js';
import { decayOverrides } from '../../model/decaying-model.js';
import type { DecayQuery } from '../decay/scores.js';
import type { EventContent } from '../export/event-content.js';
import { ServiceError } from '../errors.js';
import { anyOf, dayOf, termsOf, timeBounds, yesNo } from './query-terms.js';

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
  /** Attributes name the cached feeds holding their value (MISP's includeFeedCorrelations), JSON only. */
  includeFeedCorrelations: boolean;
  /** Events carry the notes, opinions and relationships on them and their elements (MISP's includeAnalystData). */
  includeAnalystData: boolean;
  /** Attachments and malware samples carry their file (`data`); MISP's withAttachments, off unless asked. */
  withAttachments: boolean;
  returnFormat: string;
  /** What events/restSearch keeps of each event it returns. */
  content: EventContent;
  /** The query as sent, for the options of the export formats (`requested_attributes`, `policy`, …). */
  query: RestQuery;
  /** Each attribute carries its decay scores (includeDecayScore, or excludeDecayed which implies it). */
  decay?: DecayQuery;
}

const bad = (field: string, reason: string) => new ServiceError('invalid', `restSearch: ${field} ${reason}`);

function whole(value: unknown, field: string, min: number): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw bad(field, `must be a whole number of ${min} or more, not ${JSON.stringify(value)}`);
  return n;
}

/** MISP's tag filter: a list (any of them, `!` for none of them) or `{"AND": […], "OR": […], "NOT": […]}`. */
function tagFilter(value: unknown): Pick<AttributeFilter, 'tags' | 'anyTags' | 'notTags'> {
  const t = termsOf(value, 'tags');
  if (!t) return {};
  return { ...(t.and.length ? { tags: t.and } : {}), ...(t.or.length ? { anyTags: t.or } : {}), ...(t.not.length ? { notTags: t.not } : {}) };
}

/** Sets `filter[key]` to the list when there is one. */
function put<K extends keyof AttributeFilter>(filter: AttributeFilter, key: K, list: AttributeFilter[K] | undefined): void {
  if (list !== undefined && (!Array.isArray(list) || list.length > 0)) filter[key] = list;
}

/** MISP's `eventid`: event ids and uuids, `!` or NOT for those to leave out. */
function eventIdFilter(filter: AttributeFilter, value: unknown): void {
  if (value === 'all') return;
  const t = termsOf(value, 'eventid');
  if (!t) return;
  const split = (items: string[]) => {
    const wrong = items.find((e) => !/^\d+$/.test(e) && !isUuid(e.toLowerCase()));
    if (wrong !== undefined) throw bad('eventid', `must hold event ids or uuids, not ${JSON.stringify(wrong)}`);
    return { ids: items.filter((e) => /^\d+$/.test(e)).map(Number), uuids: items.filter((e) => !/^\d+$/.test(e)).map((e) => e.toLowerCase()) };
  };
  const want = anyOf(t);
  if (want) {
    const { ids, uuids } = split(want);
    if (ids.length || !uuids.length) filter.eventIds = ids;
    if (uuids.length) filter.eventUuids = uuids;
  }
  const { ids, uuids } = split(t.not);
  put(filter, 'notEventIds', ids);
  put(filter, 'notEventUuids', uuids);
}

function uuidList(items: string[] | undefined, field: string): string[] | undefined {
  const wrong = items?.find((u) => !isUuid(u.toLowerCase()));
  if (wrong !== undefined) throw bad(field, `must hold uuids, not ${JSON.stringify(wrong)}`);
  return items?.map((u) => u.toLowerCase());
}

/** MISP's decayingModel: model ids, one or a list (`1`, `"1"`, `[1, 2]`). */
function modelIds(value: unknown): number[] | undefined {
  if (value === undefined || value === null || value === '' || value === false || value === 0 || value === '0') return undefined;
  const items = Array.isArray(value) ? value : [value];
  const wrong = items.find((v) => !(typeof v === 'number' ? Number.isSafeInteger(v) && v > 0 : typeof v === 'string' && /^\d+$/.test(v.trim())));
  if (wrong !== undefined) throw bad('decayingModel', `must hold decaying model ids, not ${JSON.stringify(wrong)}`);
  return items.length ? [...new Set(items.map((v) => Number(v)))] : undefined;
}

/**
 * What a query asks of the decay, as MISP reads it: includeDecayScore, or excludeDecayed (which implies
 * it); decayingModel for the models to use; modelOverrides (threshold, lifetime, decay_speed) and score
 * (the threshold) for this search; includeFullModel.
 */
function decayQuery(q: RestQuery): DecayQuery | undefined {
  const exclude = yesNo(q.excludeDecayed, 'excludeDecayed') ?? false;
  if (!(yesNo(q.includeDecayScore, 'includeDecayScore') ?? false) && !exclude) return undefined;
  const overrides = decayOverrides(q.modelOverrides);
  if (typeof overrides === 'string') throw new ServiceError('invalid', `restSearch: ${overrides}`);
  if (q.score !== undefined && q.score !== null && q.score !== '' && q.score !== 0 && q.score !== '0') {
    const score = Number(q.score);
    if (!Number.isFinite(score) || score < 0) throw bad('score', `must be a number of 0 or more (the threshold), not ${JSON.stringify(q.score)}`);
    overrides.threshold = Math.trunc(score);
  }
  const ids = modelIds(q.decayingModel);
  return { ...(ids ? { modelIds: ids } : {}), overrides, excludeDecayed: exclude, fullModel: yesNo(q.includeFullModel, 'includeFullModel') ?? false };
}

/**
 * The restSearch query as a store filter, read as MISP reads it: every list filter takes one value,
 * `a&&!b`, a list or an OR/AND/NOT object; yes/no filters take `[0, 1]` for both; times take spans,
 * fractions and `[from, to]` ranges. `timestamp` is the event's on events/restSearch and the
 * attribute's on attributes/restSearch, as in MISP. A parameter that does not fit is a 400 naming it.
 */
export function attributeSearch(query: RestQuery, scope: 'attributes' | 'events' = 'attributes'): AttributeSearch {
  const q = (typeof query.request === 'object' && query.request !== null ? query.request : query) as RestQuery;
  const filter: AttributeFilter = { ...tagFilter(q.tags ?? q.tag ?? q.event_tags) };
  const values = termsOf(q.value ?? q.values, 'value');
  put(filter, 'values', anyOf(values));
  put(filter, 'notValues', values?.not);
  put(filter, 'value1', anyOf(termsOf(q.value1, 'value1')));
  put(filter, 'value2', anyOf(termsOf(q.value2, 'value2')));
  const types = termsOf(q.type, 'type');
  put(filter, 'types', anyOf(types));
  put(filter, 'notTypes', types?.not);
  const categories = termsOf(q.category, 'category');
  put(filter, 'categories', anyOf(categories));
  put(filter, 'notCategories', categories?.not);
  eventIdFilter(filter, q.eventid ?? q.event_id);
  const uuids = termsOf(q.uuid, 'uuid');
  put(filter, 'uuids', uuidList(anyOf(uuids), 'uuid'));
  put(filter, 'notUuids', uuidList(uuids?.not, 'uuid'));
  const published = yesNo(q.published, 'published');
  if (published !== undefined) filter.published = published;
  const from = dayOf(q.from ?? q.date_from, 'from');
  if (from) filter.dateFrom = from;
  const to = dayOf(q.to ?? q.date_to, 'to');
  if (to) filter.dateTo = to;
  // MISP's `date`: a time, or a [from, to] range of times, read as days.
  const date = timeBounds(q.date, 'date');
  const day = (t: number) => new Date(t * 1000).toISOString().slice(0, 10);
  if (date?.from !== undefined) filter.dateFrom = day(date.from);
  if (date?.to !== undefined) filter.dateTo = day(date.to);
  // MISP's `sharinggroup` (local ids): the event's on events/restSearch; the attribute's or its event's on attributes/restSearch.
  const groups = termsOf(q.sharinggroup, 'sharinggroup');
  const groupIds = (items: string[] | undefined) => {
    const wrong = items?.find((g) => !/^\d+$/.test(g));
    if (wrong !== undefined) throw bad('sharinggroup', `must hold sharing group ids, not ${JSON.stringify(wrong)}`);
    return items?.map(Number);
  };
  put(filter, scope === 'events' ? 'eventSharingGroupIds' : 'sharingGroupIds', groupIds(anyOf(groups)));
  put(filter, scope === 'events' ? 'notEventSharingGroupIds' : 'notSharingGroupIds', groupIds(groups?.not));
  const infos = termsOf(q.eventinfo, 'eventinfo');
  put(filter, 'eventInfos', anyOf(infos));
  put(filter, 'notEventInfos', infos?.not);
  const orgs = termsOf(q.org, 'org');
  put(filter, 'orgs', anyOf(orgs));
  put(filter, 'notOrgs', orgs?.not);
  const toIds = yesNo(q.to_ids === 'exclude' ? 0 : q.to_ids, 'to_ids');
  if (toIds !== undefined) filter.toIds = toIds;
  // `deleted`: 1 for the deleted alone, [0, 1] for both, 0 (or nothing) for the live ones.
  if (q.deleted !== undefined && q.deleted !== null && q.deleted !== '') {
    const deleted = yesNo(q.deleted, 'deleted');
    if (deleted === undefined) filter.includeDeleted = true;
    else if (deleted) filter.onlyDeleted = true;
  }
  const own = timeBounds(q.timestamp, 'timestamp');
  const attributeTimes = timeBounds(q.attribute_timestamp, 'attribute_timestamp') ?? (scope === 'attributes' ? own : undefined);
  const eventTimes = timeBounds(q.event_timestamp, 'event_timestamp') ?? (scope === 'events' ? own : undefined);
  if (attributeTimes?.from !== undefined) filter.since = attributeTimes.from;
  if (attributeTimes?.to !== undefined) filter.until = attributeTimes.to;
  if (eventTimes?.from !== undefined) filter.eventSince = eventTimes.from;
  if (eventTimes?.to !== undefined) filter.eventUntil = eventTimes.to;
  const published_ = timeBounds(q.publish_timestamp, 'publish_timestamp') ?? timeBounds(q.last, 'last');
  if (published_?.from !== undefined) filter.publishedSince = published_.from;
  if (published_?.to !== undefined) filter.publishedUntil = published_.to;
  const limit = whole(q.limit, 'limit', 1);
  const page = whole(q.page, 'page', 1);
  if (limit !== undefined) {
    filter.limit = limit;
    if (page) filter.offset = (page - 1) * limit;
  }
  const decay = decayQuery(q);
  const content: EventContent = {
    ...(filter.toIds !== undefined ? { toIds: filter.toIds } : {}),
    deleted: filter.onlyDeleted ? 'only' : filter.includeDeleted ? 'both' : 'live',
    ...(filter.notTags?.length ? { blockedTags: filter.notTags } : {}),
    ...(yesNo(q.metadata, 'metadata') ? { metadata: true } : {}),
  };
  return {
    filter,
    content,
    enforceWarninglist: yesNo(q.enforceWarninglist, 'enforceWarninglist') ?? false,
    includeCorrelations: yesNo(q.includeCorrelations, 'includeCorrelations') ?? false,
    includeFeedCorrelations: yesNo(q.includeFeedCorrelations, 'includeFeedCorrelations') ?? false,
    includeAnalystData: yesNo(q.includeAnalystData, 'includeAnalystData') ?? false,
    withAttachments: yesNo(q.withAttachments, 'withAttachments') ?? yesNo(q.includeAttachments, 'includeAttachments') ?? false,
    returnFormat: typeof q.returnFormat === 'string' ? q.returnFormat.toLowerCase() : 'json',
    query: q,
    ...(decay ? { decay } : {}),
  };
}
