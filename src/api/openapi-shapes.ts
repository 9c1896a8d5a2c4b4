/**
 * The request shapes the API documentation shows (JSON schema). They describe what MISP clients
 * send; the handlers check it and answer as MISP does.
 */
type Schema = Record<string, unknown>;

const str = (description: string): Schema => ({ type: 'string', description });
const flag = (description: string): Schema => ({ type: 'boolean', description });
const list = (description: string): Schema => ({ type: 'array', items: { type: 'string' }, description });

export const ATTRIBUTE_BODY: Schema = {
  type: 'object',
  properties: {
    type: str('attribute type (describeTypes)'), value: str('the value; composite types join their parts with |'),
    category: str('category (the type\'s default when absent)'), to_ids: flag('for detection'), comment: str('free text'),
    distribution: str('0 organisation, 1 community, 2 connected, 3 all, 4 sharing group, 5 the event\'s'),
    sharing_group_id: str('at distribution 4'), uuid: str('made when absent'), disable_correlation: flag('keep out of correlation'),
    first_seen: str('ISO 8601'), last_seen: str('ISO 8601'), Tag: { type: 'array', description: 'tags: [{"name": …}]' },
  },
};

export const OBJECT_BODY: Schema = {
  type: 'object',
  properties: {
    name: str('template name (domain-ip, file, …)'), 'meta-category': str('template meta-category'), template_uuid: str(''), template_version: str(''),
    comment: str(''), distribution: str('as for attributes'), sharing_group_id: str('at distribution 4'),
    Attribute: { type: 'array', description: 'attributes, each with object_relation' },
  },
};

export const REFERENCE_BODY: Schema = {
  type: 'object',
  properties: { object_uuid: str('the object the reference starts from'), referenced_uuid: str('the attribute or object referred to'), relationship_type: str('e.g. resolves-to'), comment: str('') },
};

export const EVENT_BODY: Schema = {
  type: 'object',
  properties: {
    info: str('title'), date: str('YYYY-MM-DD (today when absent)'), threat_level_id: str('1 high … 4 undefined'), analysis: str('0 initial, 1 ongoing, 2 completed'),
    distribution: str('0 organisation, 1 community, 2 connected, 3 all, 4 sharing group'), sharing_group_id: str('at distribution 4'),
    uuid: str('made when absent'), Tag: { type: 'array', description: 'tags: [{"name": …, "local": false}]' },
    Attribute: { type: 'array', description: 'attributes' }, Object: { type: 'array', description: 'objects' },
  },
};

export const REST_SEARCH: Schema = {
  type: 'object',
  properties: {
    returnFormat: str('json (default), csv, text, hashes, cache, suricata, snort, zeek, rpz'), value: str('a value, or a pattern with %; a list for any of them'),
    type: list('types'), category: list('categories'), org: list('creator organisations (id, uuid or name; ! negates)'),
    tags: { description: 'a list (! negates) or {"AND": […], "OR": […], "NOT": […]}' }, eventid: list('event ids'), uuid: list('attribute or event uuids'),
    from: str('event date from (YYYY-MM-DD)'), to: str('event date until'), last: str('published within: 7d, 12h, 30m'),
    timestamp: str('changed since (epoch seconds or a span)'), publish_timestamp: str('published since'), published: flag(''), to_ids: flag(''),
    deleted: flag('only deleted attributes'), enforceWarninglist: flag('leave out values on enabled warninglists'),
    includeCorrelations: flag('add RelatedAttribute (and RelatedEvent)'), limit: str('page size'), page: str('page number, from 1'),
    requested_attributes: list('csv: the columns'), headerless: flag('csv: no header'), includeContext: flag('csv: event columns'),
    includeEventUuid: flag('cache: add the event uuid'), hash_type: str('cache: md5 (default), sha1, sha256, …'), policy: str('rpz: NXDOMAIN, NODATA, DROP, Local-Data, PASSTHRU, TCP-only'),
  },
};

export const INDEX_QUERY: Schema = {
  type: 'object',
  properties: {
    eventinfo: str('part of the title'), all: str('text in the title or in any attribute value'), attribute: str('part of an attribute value'),
    tags: list('event tags (! negates, % wildcards)'), org: list('creator organisations (! negates)'), eventid: list('ids'),
    datefrom: str('YYYY-MM-DD'), dateuntil: str('YYYY-MM-DD'), threatlevel: list('1–4'), distribution: list('0–4'), analysis: list('0–2'),
    sharinggroup: list('sharing group ids'), published: flag(''), timestamp: str('changed since'), publish_timestamp: str('published since'),
    sort: str('id, date, info, timestamp, publish_timestamp, threat_level_id, analysis, distribution'), desc: flag(''), minimal: flag('ids and timestamps only'),
    limit: str('page size (default 1000)'), page: str('from 1'),
  },
};

export const AUDIT_QUERY: Schema = {
  type: 'object',
  properties: { model: str('Event, Attribute, Object, Tag, User, …'), action: str('add, edit, delete, publish, …'), email: str('the user'), limit: str('page size (default 100)'), page: str('from 1') },
};

export const ORGANISATION_BODY: Schema = {
  type: 'object',
  properties: { name: str('unique'), uuid: str('made when absent'), description: str(''), type: str(''), nationality: str(''), sector: str(''), contacts: str(''), local: flag('an organisation of this instance (default)') },
};

export const SHARING_GROUP_BODY: Schema = {
  type: 'object',
  properties: { name: str('unique'), description: str(''), releasability: str('who the data may go to'), active: flag(''), roaming: flag(''), uuid: str('made when absent') },
};

export const SIGHTING_BODY: Schema = {
  type: 'object',
  properties: { id: str('attribute id'), uuid: str('attribute uuid'), value: str('every attribute you may see holding it'), type: str('0 sighting, 1 false positive, 2 expiration'), source: str(''), timestamp: str('epoch seconds (now when absent)') },
};

export const TAG_BODY: Schema = {
  type: 'object',
  properties: { name: str('unique'), colour: str('#rrggbb'), exportable: flag(''), hide_tag: flag('') },
};

export const TAG_ATTACH: Schema = {
  type: 'object',
  properties: { uuid: str('event or attribute uuid'), tag: str('tag name or id'), local: flag('a tag of your organisation only, never shared') },
};

export const USER_BODY: Schema = {
  type: 'object',
  properties: {
    email: str('unique'), org_id: str('organisation (yours when absent)'), role_id: str('role (User when absent)'), disabled: flag('may not sign in'),
    password: str('for the web interface, 12 characters or more; a new one ends his sessions'),
  },
};

export const ROLE_BODY: Schema = {
  type: 'object',
  properties: { name: str('unique'), perm_add: flag('and every other perm_* flag of MISP\'s roles') },
};
