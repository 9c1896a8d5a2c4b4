import { isUuid } from '../../model/event.js';
import type { Viewer } from '../../access/viewer.js';
import type { Store } from '../../store/db/database.js';
import { findOrganisation, findOrganisationById } from '../../store/access/organisations.js';
import { searchSightings, type SightingFilter, type SightingHit } from '../../store/sightings.js';
import { ServiceError } from '../errors.js';
import type { RestQuery } from './rest-query.js';
import { pointInTime } from './query-terms.js';

export interface SightingSearch {
  filter: SightingFilter;
  includeAttribute: boolean;
  includeEvent: boolean;
  includeUuid: boolean;
}

const bad = (message: string) => new ServiceError('invalid', message);
const given = (v: unknown) => v !== undefined && v !== null && v !== '';
const listOf = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);
const truthy = (v: unknown) => v === true || v === 1 || v === '1' || v === 'true';
/** A moment as MISP's resolveTimeDelta reads it: epoch seconds (a fraction, as PyMISP sends, dropped) or a span such as 7d. */
// As MISP's resolveTimeDelta: epoch seconds (a fraction cut off), a span back from now, or a date.
const momentOf = (v: unknown) => (v === undefined || v === null || String(v).trim() === '' ? undefined : pointInTime(v));

/** The default window when neither `last` nor `from`/`to` is given, as MISP: the last 30 days. */
const DEFAULT_SPAN = '30d';

/**
 * sightings/restSearch's query (MISP's Sighting::restSearch): `context` (attribute or event, from the address
 * or the body) with `id` or `uuid`; `type`, `source`, `org_id` (id or uuid, `!` to exclude); the window
 * `from`+`to` or `last` (epoch seconds or a span such as 7d) on the sighting's date, the last 30 days by default.
 */
export async function sightingSearch(store: Store, query: RestQuery, contextInPath?: string): Promise<SightingSearch> {
  const context = contextInPath ?? (given(query.context) ? String(query.context) : undefined);
  if (context !== undefined && context !== 'attribute' && context !== 'event') throw bad(`Invalid context ${context}.`);
  if (context && !given(query.id) && !given(query.uuid)) throw bad('An ID or UUID must be provided if the context is set.');
  const filter: SightingFilter = {};
  if (given(query.id) && context) {
    const ids = listOf(query.id).map((id) => {
      if (!/^\d+$/.test(String(id))) throw bad(`Invalid ID \`${String(id)}\` provided.`);
      return Number(id);
    });
    if (context === 'attribute') filter.attributeIds = ids;
    else filter.eventIds = ids;
  }
  if (given(query.uuid) && context) {
    const uuids = listOf(query.uuid).map((u) => String(u).toLowerCase());
    const wrong = uuids.find((u) => !isUuid(u));
    if (wrong) throw bad(`Invalid UUID \`${wrong}\` provided.`);
    if (context === 'attribute') filter.attributeUuids = uuids;
    else filter.eventUuids = uuids;
  }
  if (given(query.from) && given(query.to)) {
    filter.from = momentOf(query.from);
    filter.to = momentOf(query.to);
  } else if (Array.isArray(query.last)) {
    if (given(query.last[0])) filter.from = momentOf(query.last[0]);
    if (given(query.last[1])) filter.to = momentOf(query.last[1]);
  } else {
    filter.from = momentOf(given(query.last) ? query.last : DEFAULT_SPAN);
  }
  if (given(query.type)) {
    filter.types = listOf(query.type).map((t) => {
      if (!['0', '1', '2'].includes(String(t))) throw bad('type must be 0 (sighting), 1 (false positive) or 2 (expiration)');
      return Number(t);
    });
  }
  if (given(query.source)) filter.sources = listOf(query.source).map(String);
  if (given(query.org_id)) {
    const inc: number[] = [];
    const exc: number[] = [];
    for (const raw of listOf(query.org_id)) {
      const text = String(raw);
      const negated = text.startsWith('!');
      const ref = negated ? text.slice(1) : text;
      const org = /^\d+$/.test(ref) ? await findOrganisationById(store, Number(ref)) : isUuid(ref.toLowerCase()) ? await findOrganisation(store, ref.toLowerCase()) : undefined;
      // An organisation that does not exist matches nothing (MISP: org_id -1), and excludes nothing.
      if (negated) { if (org) exc.push(org.id); } else inc.push(org?.id ?? -1);
    }
    if (inc.length) filter.orgIds = inc;
    if (exc.length) filter.notOrgIds = exc;
  }
  return { filter, includeAttribute: truthy(query.includeAttribute), includeEvent: truthy(query.includeEvent), includeUuid: truthy(query.includeUuid) };
}

/** One sighting as MISP's JSON restSearch answers it: numbers as strings, the attribute's value, what was asked to include. */
export function sightingSearchDocument(s: SightingHit, search: SightingSearch): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: String(s.id), attribute_id: String(s.attributeId), event_id: String(s.eventId), org_id: String(s.orgId ?? 0),
    date_sighting: String(s.dateSighting), uuid: s.uuid, source: s.source, type: String(s.type), value: s.attribute.value,
  };
  if (search.includeUuid) {
    out.attribute_uuid = s.attribute.uuid;
    out.event_uuid = s.event.uuid;
  }
  if (search.includeAttribute) {
    const a = s.attribute;
    out.Attribute = { id: String(a.id), value: a.value, uuid: a.uuid, type: a.type, category: a.category, to_ids: a.toIds };
  }
  if (search.includeEvent) {
    const e = s.event;
    out.Event = { id: String(e.id), uuid: e.uuid, orgc_id: String(e.orgcId), org_id: String(e.orgId), info: e.info, Orgc: { name: e.orgcName ?? '' } };
  }
  if (s.orgId) out.Organisation = { id: String(s.orgId), uuid: s.orgUuid, name: s.orgName };
  return { Sighting: out };
}

/** Runs a sightings/restSearch for a viewer. */
export async function runSightingSearch(store: Store, viewer: Viewer, search: SightingSearch): Promise<Record<string, unknown>[]> {
  return (await searchSightings(store, viewer, search.filter)).map((s) => sightingSearchDocument(s, search));
}
