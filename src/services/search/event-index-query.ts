import type { Viewer } from '../../access/viewer.js';
import type { Store } from '../../store/db/database.js';
import type { Choice, EventIndexFilter } from '../../store/events/list.js';
import { searchEventIds } from '../../store/search/attributes.js';
import { ServiceError } from '../errors.js';
import { timeOf, type RestQuery } from './rest-query.js';

const bad = (field: string, reason: string) => new ServiceError('invalid', `events/index: ${field} ${reason}`);

/** A parameter's values: a list, or one value that may join several with `|` (MISP takes both). */
function values(raw: unknown, field: string): string[] | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const items = Array.isArray(raw) ? raw : String(raw).split('|');
  return items.map((v) => {
    if (typeof v !== 'string' && typeof v !== 'number') throw bad(field, 'must be a value or a list of values');
    return String(v).trim();
  }).filter(Boolean);
}

function textChoice(raw: unknown, field: string): Choice<string> | undefined {
  const v = values(raw, field);
  if (!v) return undefined;
  const any = v.filter((x) => !x.startsWith('!'));
  const none = v.filter((x) => x.startsWith('!')).map((x) => x.slice(1));
  return { ...(any.length ? { any } : {}), ...(none.length ? { none } : {}) };
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

function day(raw: unknown, field: string): string | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const t = String(raw).trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) return t;
  if (/^\d+(\.\d+)?$/.test(t)) return new Date(Number(t) * 1000).toISOString().slice(0, 10);
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
  set('ids', numberChoice(q.eventid, 'eventid'));
  set('threatLevels', numberChoice(q.threatlevel ?? q.threat_level_id, 'threatlevel'));
  set('distributions', numberChoice(q.distribution, 'distribution'));
  set('analysis', numberChoice(q.analysis, 'analysis'));
  set('sharingGroups', numberChoice(q.sharinggroup, 'sharinggroup'));
  set('orgs', textChoice(q.org, 'org'));
  set('tags', textChoice(q.tags ?? q.tag, 'tags'));
  if (q.published !== undefined && q.published !== null && q.published !== '') {
    const p = String(q.published);
    if (!['0', '1', 'true', 'false'].includes(p)) throw bad('published', 'must be true or false (or 1 or 0)');
    f.published = p === '1' || p === 'true';
  }
  set('dateFrom', day(q.datefrom ?? q.date_from ?? q.from, 'datefrom'));
  set('dateTo', day(q.dateuntil ?? q.date_to ?? q.to, 'dateuntil'));
  if (typeof q.eventinfo === 'string' && q.eventinfo.trim()) f.info = q.eventinfo.trim();
  set('since', timeOf(q.timestamp, 'timestamp'));
  set('publishedSince', timeOf(q.publish_timestamp, 'publish_timestamp'));
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
