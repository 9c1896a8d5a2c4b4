import type { Viewer } from '../../access/viewer.js';
import type { Store } from '../../store/db/database.js';
import type { Choice, EventIndexFilter } from '../../store/events/list.js';
import { searchEventIds } from '../../store/search/attributes.js';
import { ServiceError } from '../errors.js';
import { isUuid } from '../../model/event.js';
import { anyOf, termsOf, timeBounds, yesNo } from './query-terms.js';
import type { RestQuery } from './rest-query.js';

const bad = (field: string, reason: string) => new ServiceError('invalid', `events/index: ${field} ${reason}`);

/** A filter of the index: as restSearch's, but one text joins several values with `|`, as MISP's index splits them. */
function textChoice(raw: unknown, field: string): Choice<string> | undefined {
  const t = termsOf(typeof raw === 'string' ? raw.split('|') : raw, field);
  if (!t) return undefined;
  const any = anyOf(t);
  return { ...(any ? { any } : {}), ...(t.not.length ? { none: t.not } : {}) };
}

function numberChoice(raw: unknown, field: string): Choice<number> | undefined {
  const c = textChoice(raw, field);
  if (!c) return undefined;
  const num = (list: readonly string[] | undefined) => list?.map((x) => {
    if (!/^\d+$/.test(x)) throw bad(field, `takes whole numbers, not ${JSON.stringify(x)}`);
    return Number(x);
  });
  const any = num(c.any);
  const none = num(c.none);
  return { ...(any ? { any } : {}), ...(none ? { none } : {}) };
}

/** MISP's `eventid` on the index: ids and uuids alike. */
function eventChoice(f: EventIndexFilter, raw: unknown): void {
  const c = textChoice(raw, 'eventid');
  if (!c) return;
  const isId = (x: string) => /^\d+$/.test(x);
  const wrong = [...(c.any ?? []), ...(c.none ?? [])].find((x) => !isId(x) && !isUuid(x.toLowerCase()));
  if (wrong !== undefined) throw bad('eventid', `takes event ids or uuids, not ${JSON.stringify(wrong)}`);
  const ids = { any: c.any?.filter(isId).map(Number), none: c.none?.filter(isId).map(Number) };
  const uuids = { any: c.any?.filter((x) => !isId(x)).map((x) => x.toLowerCase()), none: c.none?.filter((x) => !isId(x)).map((x) => x.toLowerCase()) };
  if (ids.any?.length || ids.none?.length) f.ids = { ...(ids.any?.length ? { any: ids.any } : {}), ...(ids.none?.length ? { none: ids.none } : {}) };
  if (uuids.any?.length || uuids.none?.length) f.uuids = { ...(uuids.any?.length ? { any: uuids.any } : {}), ...(uuids.none?.length ? { none: uuids.none } : {}) };
}

function day(raw: unknown, field: string): string | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const t = String(raw).trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) return t;
  if (/^\d+(\.\d*)?$/.test(t)) return new Date(Math.trunc(Number(t)) * 1000).toISOString().slice(0, 10);
  throw bad(field, `must be a date (YYYY-MM-DD) or epoch seconds, not ${JSON.stringify(raw)}`);
}

/** The filters MISP's events/index also takes as `searchNAME` (`/events/index/searcheventinfo:x`, PyMISP's older forms). */
const PREFIXABLE = ['all', 'attribute', 'published', 'eventid', 'datefrom', 'dateuntil', 'org', 'eventinfo', 'tag', 'tags', 'distribution',
  'sharinggroup', 'analysis', 'threatlevel', 'timestamp', 'publish_timestamp', 'minimal'];

/**
 * events/index's parameters as MISP reads them: `searchNAME` as NAME (unless NAME is given too), and
 * MISP's pagination `direction` (asc or desc) as `desc`.
 */
export function eventIndexQuery(q: RestQuery): RestQuery {
  const out: RestQuery = { ...q };
  for (const [key, value] of Object.entries(q)) {
    if (!key.startsWith('search')) continue;
    const name = key.slice('search'.length).toLowerCase();
    const target = name === 'publishtimestamp' ? 'publish_timestamp' : name;
    if (PREFIXABLE.includes(target) && out[target] === undefined) out[target] = value;
  }
  if (out.desc === undefined && typeof q.direction === 'string') out.desc = q.direction.toLowerCase() !== 'asc';
  return out;
}

const SORTS = ['id', 'date', 'info', 'timestamp', 'publish_timestamp', 'threat_level_id', 'analysis', 'distribution'] as const;

/** events/index's filters, as MISP and PyMISP's search_index name them, to a store filter; a bad one is a 400 naming it. */
export async function eventIndexFilter(store: Store, viewer: Viewer, q: RestQuery): Promise<EventIndexFilter> {
  const f: EventIndexFilter = {};
  const set = <K extends keyof EventIndexFilter>(k: K, v: EventIndexFilter[K] | undefined) => {
    if (v !== undefined) f[k] = v;
  };
  eventChoice(f, q.eventid);
  set('threatLevels', numberChoice(q.threatlevel ?? q.threat_level_id, 'threatlevel'));
  set('distributions', numberChoice(q.distribution, 'distribution'));
  set('analysis', numberChoice(q.analysis, 'analysis'));
  set('sharingGroups', numberChoice(q.sharinggroup, 'sharinggroup'));
  set('orgs', textChoice(q.org, 'org'));
  set('tags', textChoice(q.tags ?? q.tag, 'tags'));
  const published = yesNo(q.published, 'published');
  if (published !== undefined) f.published = published;
  set('dateFrom', day(q.datefrom ?? q.date_from ?? q.from, 'datefrom'));
  set('dateTo', day(q.dateuntil ?? q.date_to ?? q.to, 'dateuntil'));
  if (typeof q.eventinfo === 'string' && q.eventinfo.trim()) f.info = q.eventinfo.trim();
  const changed = timeBounds(q.timestamp, 'timestamp');
  set('since', changed?.from);
  set('until', changed?.to);
  const published_ = timeBounds(q.publish_timestamp, 'publish_timestamp');
  set('publishedSince', published_?.from);
  set('publishedUntil', published_?.to);
  // Attribute values are searched through the policy, so an event is never found by a value its viewer may not see.
  if (typeof q.attribute === 'string' && q.attribute.trim()) f.within = await searchEventIds(store, viewer, { values: [`%${q.attribute.trim()}%`] });
  if (typeof q.all === 'string' && q.all.trim()) f.infoOr = { text: q.all.trim(), ids: await searchEventIds(store, viewer, { values: [`%${q.all.trim()}%`] }) };
  if (q.sort !== undefined) {
    const sort = String(q.sort).replace(/^Event\./, '');
    if (!(SORTS as readonly string[]).includes(sort)) throw bad('sort', `must be one of ${SORTS.join(', ')}`);
    f.sort = sort as (typeof SORTS)[number];
  }
  if (q.desc !== undefined) f.desc = q.desc === true || q.desc === 1 || q.desc === '1' || q.desc === 'true';
  return f;
}
