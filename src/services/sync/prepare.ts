import { eventPushRefusal, itemPushable, type GroupFacts, type SyncTarget } from '../../access/policy/servers.js';
import type { SharingGroup } from '../../store/access/sharing-groups.js';
import type { Server } from '../../store/servers.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObject) : isObject(v) ? Object.values(v).filter(isObject) : []);
const truthy = (v: unknown) => v === true || v === 1 || v === '1';

/** MISP's downgrade of a pulled item: this community becomes this organisation, connected communities this community. */
function downgrade(item: Json): void {
  const d = String(item.distribution ?? '');
  if (d === '1') item.distribution = '0';
  else if (d === '2') item.distribution = '1';
}

/** The notes, opinions and relationships an item carries (and theirs), downgraded as the item is. */
function downgradeAnalystData(item: Json): void {
  for (const kind of ['Note', 'Opinion', 'Relationship']) {
    for (const child of list(item[kind])) {
      downgrade(child);
      downgradeAnalystData(child);
    }
  }
}

const withoutLocalTags = (item: Json) => {
  if (item.Tag !== undefined) item.Tag = list(item.Tag).filter((t) => !truthy(t.local));
};

/**
 * The remote showed a group's item to its sync user for this organisation: the organisation is a member
 * there, whether or not the remote lists the members (Cairn does not), so it is one here.
 */
function withMember(group: Json, org: { uuid: string; name: string }): void {
  const members = list(group.SharingGroupOrg);
  if (!members.some((m) => isObject(m.Organisation) && m.Organisation.uuid === org.uuid)) members.push({ extend: false, Organisation: { uuid: org.uuid, name: org.name } });
  group.SharingGroupOrg = members;
}

/** The remote's own number of a group means nothing here: the group is known by its uuid. */
function forgetGroupNumber(item: Json): void {
  if (isObject(item.SharingGroup) && typeof item.SharingGroup.uuid === 'string') item.sharing_group_id = '0';
}

/**
 * A pulled event as MISP's __updatePulledEventBeforeInsert makes it: locked (it came from another
 * instance); unless the server is internal, every level downgraded (1 → 0, 2 → 1) on the event, its
 * attributes, objects and reports, and local tags dropped. Answers the event document, or undefined
 * when the remote's answer holds no event.
 */
export function preparePulledEvent(doc: unknown, server: Server): { Event: Json } | undefined {
  const event = isObject(doc) && isObject(doc.Event) ? doc.Event : undefined;
  if (!event || typeof event.uuid !== 'string') return undefined;
  event.locked = true;
  if (event.distribution === undefined) event.distribution = '1';
  const attributes = list(event.Attribute);
  const objects = list(event.Object);
  const reports = list(event.EventReport);
  const all = [event, ...attributes, ...objects, ...objects.flatMap((o) => list(o.Attribute)), ...reports];
  for (const item of all) {
    forgetGroupNumber(item);
    if (isObject(item.SharingGroup)) withMember(item.SharingGroup, server.org);
  }
  if (!server.flags.internal) {
    for (const item of all) {
      downgrade(item);
      downgradeAnalystData(item);
    }
    for (const item of [event, ...attributes, ...objects.flatMap((o) => list(o.Attribute))]) withoutLocalTags(item);
  }
  // The remote's local ids of its organisations and of the event say nothing here.
  delete event.id;
  delete event.org_id;
  delete event.orgc_id;
  return { Event: event };
}

export function syncTarget(server: Server): SyncTarget {
  return { id: server.id, internal: server.flags.internal, remoteOrgUuid: server.remoteOrg.uuid };
}

export function groupFacts(g: SharingGroup): GroupFacts {
  return { roaming: g.roaming, orgUuids: g.organisations.map((m) => m.org.uuid), servers: g.servers };
}

/** A sharing group as MISP sends it with an event: with its organisations, so that the remote can make it. */
export function groupDocument(g: SharingGroup): Json {
  return {
    uuid: g.uuid, name: g.name, description: g.description, releasability: g.releasability, roaming: g.roaming, active: g.active, local: false,
    Organisation: { uuid: g.org.uuid, name: g.org.name },
    // The group's creator sees it as a member does (MISP lists it among them).
    SharingGroupOrg: [...(g.organisations.some((m) => m.org.uuid === g.org.uuid) ? [] : [{ extend: true, Organisation: { uuid: g.org.uuid, name: g.org.name } }]),
      ...g.organisations.map((m) => ({ extend: m.extend, Organisation: { uuid: m.org.uuid, name: m.org.name } }))],
    SharingGroupServer: g.servers.map((s) => ({ server_id: String(s.serverId), all_orgs: s.allOrgs })),
  };
}

interface PushRules {
  tags: { OR: string[]; NOT: string[] };
  orgs: { OR: string[]; NOT: string[] };
}

export function readPushRules(text: string): PushRules {
  let v: Json = {};
  try {
    const parsed: unknown = JSON.parse(text || '{}');
    if (isObject(parsed)) v = parsed;
  } catch {
    // rules that are not JSON filter nothing (the servers API refuses them)
  }
  const side = (x: unknown) => {
    const o = isObject(x) ? x : {};
    return { OR: (Array.isArray(o.OR) ? o.OR : []).map(String), NOT: (Array.isArray(o.NOT) ? o.NOT : []).map(String) };
  };
  return { tags: side(v.tags), orgs: side(v.orgs) };
}

/**
 * MISP's eventFilterPushableServers: the event's tags must include one of the rules' OR tags (when
 * there are any) and none of the NOT ones; its creator (by uuid, name or local id) must be among the OR
 * organisations and none of the NOT ones.
 */
export function passesPushRules(rules: PushRules, tags: readonly string[], orgc: { uuid: string; name: string; id?: number }): boolean {
  const lower = new Set(tags.map((t) => t.toLowerCase()));
  const hasTag = (names: string[]) => names.some((n) => lower.has(n.toLowerCase()));
  if (rules.tags.OR.length && !hasTag(rules.tags.OR)) return false;
  if (rules.tags.NOT.length && hasTag(rules.tags.NOT)) return false;
  const isOrg = (names: string[]) => names.some((n) => n === orgc.uuid || n.toLowerCase() === orgc.name.toLowerCase() || (orgc.id !== undefined && n === String(orgc.id)));
  if (rules.orgs.OR.length && !isOrg(rules.orgs.OR)) return false;
  if (rules.orgs.NOT.length && isOrg(rules.orgs.NOT)) return false;
  return true;
}

/**
 * An event trimmed for a remote as MISP's __prepareForPushToServer and __updateEventForSync trim it:
 * refused (with the reason) when its distribution, sharing group or the push rules keep it here;
 * otherwise locked, without this instance's ids and owner, local tags out, attributes, objects and
 * reports of this organisation or community only left out, connected communities downgraded to this
 * community, sharing groups described in full. `groups` holds every group the event names, by local id.
 */
export function preparePushedEvent(doc: { Event: Json }, server: Server, groups: ReadonlyMap<number, SharingGroup>): { event: { Event: Json } } | { refusal: string } {
  const e = doc.Event;
  const t = syncTarget(server);
  const groupOf = (item: Json) => {
    const id = Number(item.sharing_group_id ?? 0);
    return id > 0 ? groups.get(id) : undefined;
  };
  const facts = (item: Json) => {
    const g = groupOf(item);
    return g ? groupFacts(g) : undefined;
  };
  const distribution = Number(e.distribution ?? 0);
  const refusal = eventPushRefusal(distribution, facts(e), t);
  if (refusal) return { refusal };
  const orgc = isObject(e.Orgc) ? { uuid: String(e.Orgc.uuid), name: String(e.Orgc.name ?? ''), id: Number(e.orgc_id ?? 0) } : { uuid: '', name: '' };
  if (!passesPushRules(readPushRules(server.pushRules), list(e.Tag).map((x) => String(x.name ?? '')), orgc)) {
    return { refusal: "The server's push rules block this event." };
  }
  const keep = (item: Json) => itemPushable(Number(item.distribution ?? 5) === 5 ? distribution : Number(item.distribution), facts(item), t);
  const shape = (item: Json) => {
    if (!t.internal && String(item.distribution) === '2') item.distribution = '1';
    const g = groupOf(item);
    if (String(item.distribution) === '4' && g) item.SharingGroup = groupDocument(g);
    delete item.id;
    delete item.event_id;
    delete item.object_id;
    delete item.value1;
    delete item.value2;
    // Sightings go after the event, through the remote's filterSightingUuidsForPush and bulkSaveSightings.
    delete item.Sighting;
    if (!t.internal) withoutLocalTags(item);
    return item;
  };
  // Items at 5 take the event's level; the event's own level is checked above, so only their own 0, 1 or group leaves them here.
  e.Attribute = list(e.Attribute).filter((a) => Number(a.distribution) === 5 || keep(a)).map(shape);
  e.Object = list(e.Object).filter((o) => Number(o.distribution) === 5 || keep(o)).map((o) => {
    o.Attribute = list(o.Attribute).filter((a) => Number(a.distribution) === 5 || keep(a)).map(shape);
    return shape(o);
  });
  if (e.EventReport !== undefined) e.EventReport = list(e.EventReport).filter((r) => Number(r.distribution) === 5 || keep(r)).map(shape);
  shape(e);
  e.locked = true;
  if (server.flags.unpublish_event) e.published = false;
  for (const field of ['Org', 'org_id', 'orgc_id', 'proposal_email_lock', 'RelatedEvent', 'ShadowAttribute']) delete e[field];
  return { event: { Event: e } };
}
