import { Type, type TSchema } from 'typebox';
import { AnyValue, Fields, Flag, Id, Items, OneOrMany, Text } from './fields.js';

/**
 * The request bodies of MISP's API as Cairn takes them: these schemas validate each body before its
 * handler runs, and /openapi.json publishes them. A model body (`x-model`) may come bare or wrapped
 * (`{"Event": {…}}`); one that fails is answered with MISP's words for it (`x-failure`), 403.
 */
function model(name: string, failure: string, properties: Record<string, TSchema>) {
  return { ...Fields(properties, `a ${name}, bare or as {"${name}": {…}}`), 'x-model': name, 'x-failure': failure };
}

const Tags = Items(AnyValue(), 'tags: [{"name": …, "local": false}] (or names)');

const ATTRIBUTE_FIELDS = {
  type: Text('attribute type (describeTypes)'), value: Text('the value; composite types join their parts with |'),
  category: Text('category (the type\'s default when absent)'), to_ids: Flag('for detection'), comment: Text('free text'),
  distribution: Text('0 organisation, 1 community, 2 connected, 3 all, 4 sharing group, 5 the event\'s'),
  sharing_group_id: Text('at distribution 4'), uuid: Text('made when absent'), disable_correlation: Flag('keep out of correlation'),
  first_seen: Text('ISO 8601'), last_seen: Text('ISO 8601'), Tag: Tags,
};

export const ATTRIBUTE_BODY = { ...Type.Union([Fields(ATTRIBUTE_FIELDS), Type.Array(Fields(ATTRIBUTE_FIELDS))], { description: 'an attribute, or a list of them; bare or as {"Attribute": …}' }),
  'x-model': 'Attribute', 'x-failure': 'The attribute could not be saved.' };

/** attributes/edit changes one attribute: a list is no edit. */
export const ATTRIBUTE_EDIT_BODY = model('Attribute', 'The attribute could not be saved.', ATTRIBUTE_FIELDS);

export const OBJECT_BODY = model('Object', 'The object could not be saved.', {
  name: Text('template name (domain-ip, file, …)'), 'meta-category': Text('template meta-category'), template_uuid: Text(''), template_version: Text(''),
  comment: Text(''), distribution: Text('as for attributes'), sharing_group_id: Text('at distribution 4'), uuid: Text('made when absent'),
  Attribute: Items(AnyValue(), 'attributes, each with object_relation'),
});

export const REFERENCE_BODY = model('ObjectReference', 'The object reference could not be saved.', {
  object_uuid: Text('the object the reference starts from'), referenced_uuid: Text('the attribute or object referred to'),
  relationship_type: Text('e.g. resolves-to'), comment: Text(''), uuid: Text('made when absent'),
});

export const EVENT_BODY = model('Event', 'The event could not be saved.', {
  info: Text('title'), date: Text('YYYY-MM-DD (today when absent)'), threat_level_id: Text('1 high … 4 undefined'), analysis: Text('0 initial, 1 ongoing, 2 completed'),
  distribution: Text('0 organisation, 1 community, 2 connected, 3 all, 4 sharing group'), sharing_group_id: Text('at distribution 4'),
  uuid: Text('made when absent'), published: Flag(''), Tag: Tags,
  Attribute: Items(AnyValue(), 'attributes'), Object: Items(AnyValue(), 'objects'),
});

export const ORGANISATION_BODY = model('Organisation', 'The organisation could not be saved.', {
  name: Text('unique'), uuid: Text('made when absent'), description: Text(''), type: Text(''), nationality: Text(''), sector: Text(''), contacts: Text(''),
  local: Flag('an organisation of this instance (default)'),
});

export const SHARING_GROUP_BODY = model('SharingGroup', 'Could not save sharing group.', {
  name: Text('unique'), description: Text(''), releasability: Text('who the data may go to'), active: Flag(''), roaming: Flag(''), uuid: Text('made when absent'),
});

export const SIGHTING_BODY = Fields({
  id: AnyValue('attribute id'), uuid: AnyValue('attribute uuid'), value: AnyValue('every attribute you may see holding it'),
  type: AnyValue('0 sighting, 1 false positive, 2 expiration'), source: AnyValue(''), timestamp: AnyValue('epoch seconds (now when absent)'),
});

export const TAG_BODY = model('Tag', 'The tag could not be saved.', {
  name: Text('unique'), colour: Text('#rrggbb'), exportable: Flag(''), hide_tag: Flag(''),
  org_id: Id('the only organisation that sees and uses the tag (0: all)'), user_id: Id('the only user who may use the tag (0: all)'),
});

export const TAG_ATTACH = Fields({
  uuid: AnyValue('event or attribute uuid'), tag: AnyValue('tag name or id'), local: AnyValue('a tag of your organisation only, never shared'),
});

export const USER_BODY = model('User', 'The user could not be saved.', {
  email: Text('unique'), org_id: Id('organisation (yours when absent)'), role_id: Id('role (User when absent)'), disabled: Flag('may not sign in'),
  password: Text('for the web interface, 12 characters or more; a new one ends his sessions'),
});

export const ROLE_BODY = model('Role', 'The role could not be saved.', { name: Text('unique'), perm_add: Flag('and every other perm_* flag of MISP\'s roles') });

export const AUTH_KEY_BODY = Fields({ comment: Text('what the key is for') });

export const EXCLUSION_BODY = model('CorrelationExclusion', 'The correlation exclusion could not be saved.', {
  value: Text('a value, or a pattern with %'), comment: Text(''),
});

export const WARNINGLIST_TOGGLE = Fields({ id: OneOrMany('ids (or one id)'), name: OneOrMany('names (or one name)'), enabled: Flag('on (default) or off') });

export const CHECK_VALUE = Type.Unknown({ description: 'a value, a list of values, or {"value": …}' });

/** A restSearch list filter, as MISP's convert_filters reads it; the search checks each item. */
const ListFilter = (what: string) => AnyValue(`${what}: one, a list (! negates), "a&&!b", or {"OR": […], "AND": […], "NOT": […]}`);
/** A restSearch time filter, as MISP's resolveTimeDelta reads it. */
const TimeFilter = (what: string) => AnyValue(`${what}: epoch seconds (a fraction is cut off), a span back from now (5d, 3h, 30m), or a [from, to] pair of them`);

export const REST_SEARCH = Fields({
  returnFormat: Text('json (default), csv, text, hashes, cache, suricata, snort, zeek, rpz, stix2'), value: ListFilter('values, or patterns with %'),
  value1: ListFilter('first parts of values'), value2: ListFilter('second parts of composite values'),
  type: ListFilter('types'), category: ListFilter('categories'), org: ListFilter('creator organisations (id, uuid or name)'),
  tags: ListFilter('tags'), eventinfo: ListFilter('event titles (% patterns)'), sharinggroup: ListFilter('sharing group ids'), eventid: ListFilter('event ids or uuids'), uuid: ListFilter('attribute or event uuids'),
  object_name: ListFilter('objects/restSearch: template names'), object_template_uuid: ListFilter('objects/restSearch: template uuids'),
  from: AnyValue('event date from (YYYY-MM-DD or epoch seconds)'), to: AnyValue('event date until'), date: TimeFilter('event date'),
  last: TimeFilter('published since'), timestamp: TimeFilter('changed since: the event on events/restSearch, the attribute on attributes/restSearch'),
  event_timestamp: TimeFilter('event changed since'), attribute_timestamp: TimeFilter('attribute changed since'),
  publish_timestamp: TimeFilter('published since'), published: AnyValue('true, false, or [0, 1] for both'), to_ids: AnyValue('true, false, or [0, 1] for both'),
  deleted: AnyValue('1: only deleted attributes; [0, 1]: deleted ones too'), metadata: AnyValue('events/restSearch: events without their attributes and objects'),
  enforceWarninglist: AnyValue('leave out values on enabled warninglists'),
  includeCorrelations: AnyValue('add RelatedAttribute (and RelatedEvent)'), includeEventTags: AnyValue('attributes/restSearch: event tags in each Tag list'),
  includeFeedCorrelations: AnyValue('json: each attribute\'s Feed list, the cached feeds holding its value (and the event\'s, on events/restSearch)'),
  includeSightings: AnyValue('attributes/restSearch: each attribute\'s Sighting list'),
  includeAnalystData: AnyValue('json of events: add Note, Opinion and Relationship to the event and its elements'),
  limit: AnyValue('page size'), page: AnyValue('page number, from 1'),
  requested_attributes: AnyValue('csv: the columns'), headerless: AnyValue('csv: no header'), includeContext: AnyValue('csv: event columns'),
  includeEventUuid: AnyValue('cache: add the event uuid; attributes/restSearch: event_uuid'), hash_type: AnyValue('cache: md5 (default), sha1, sha256, …'),
  policy: AnyValue('rpz: NXDOMAIN, NODATA, DROP, Local-Data, PASSTHRU, TCP-only'),
  includeDecayScore: AnyValue('json: each attribute\'s decay_score under the enabled decaying models of its type'),
  excludeDecayed: AnyValue('attributes/restSearch: leave out the attributes every scoring model finds decayed (implies includeDecayScore)'),
  decayingModel: AnyValue('decaying model ids: only these score, every attribute'), modelOverrides: AnyValue('{"threshold", "lifetime", "decay_speed"} for this search'),
  score: AnyValue('the decay threshold for this search'), includeFullModel: AnyValue('each score carries the whole model'),
}, 'restSearch filters (MISP\'s query format); each is checked, and named when wrong, by the search');

export const INDEX_QUERY = Fields({
  eventinfo: AnyValue('part of the title'), all: AnyValue('text in the title or in any attribute value'), attribute: AnyValue('part of an attribute value'),
  tags: AnyValue('event tags (! negates, % wildcards)'), org: AnyValue('creator organisations (! negates)'), eventid: AnyValue('ids'),
  datefrom: AnyValue('YYYY-MM-DD'), dateuntil: AnyValue('YYYY-MM-DD'), threatlevel: AnyValue('1–4'), distribution: AnyValue('0–4'), analysis: AnyValue('0–2'),
  sharinggroup: AnyValue('sharing group ids'), published: AnyValue(''), timestamp: AnyValue('changed since'), publish_timestamp: AnyValue('published since'),
  sort: AnyValue('id, date, info, timestamp, publish_timestamp, threat_level_id, analysis, distribution'), desc: AnyValue(''), minimal: AnyValue('ids and timestamps only'),
  limit: AnyValue('page size (default 1000)'), page: AnyValue('from 1'),
}, 'filters; each is checked, and named when wrong, by the index');

export const AUDIT_QUERY = Fields({
  model: AnyValue('Event, Attribute, Object, Tag, User, …'), action: AnyValue('add, edit, delete, publish, …'), email: AnyValue('the user'),
  limit: AnyValue('page size (default 100)'), page: AnyValue('from 1'),
});

export const EVENT_REPORT_BODY = model('EventReport', 'The event report could not be saved.', {
  name: Text('required'), content: Text('markdown'), distribution: Text('0–4 as for attributes, 5 the event\'s (default)'),
  sharing_group_id: Text('at distribution 4'), uuid: Text('made when absent'),
});

/** A note, opinion or relationship; which one the address says (`analyst_data/add/Note/…`). */
export const ANALYST_DATA_BODY = Fields({
  object_uuid: Text('the element it is attached to'), object_type: Text('Event, Attribute, Object, EventReport, Note, Opinion, Relationship, …'),
  note: Text('a note\'s text'), language: Text('e.g. en'), opinion: Text('an opinion, 0–100'), comment: Text('an opinion\'s comment'),
  relationship_type: Text('a relationship\'s type'), related_object_uuid: Text('what a relationship points to'), related_object_type: Text(''),
  authors: Text('who wrote it (your email when absent)'), distribution: Text('0–4 as for events'), sharing_group_id: Text('at distribution 4'),
  uuid: Text('made when absent'), orgc_uuid: Text('kept for sync users and site admins only'),
  Note: Items(AnyValue(), 'notes on it'), Opinion: Items(AnyValue(), 'opinions on it'), Relationship: Items(AnyValue(), 'relationships from it'),
}, 'a Note, Opinion or Relationship, bare or as {"Note": {…}}');

export const SETTING_EDIT_BODY = Fields({
  value: AnyValue('the new value: true/false, a number or text, as the setting takes'),
  force: Flag('MISP skips its checks when set; Cairn always checks a value'),
});

/** taxonomies/addTag: without names, every tag the taxonomy defines. PyMISP sends no body at all. */
export const TAXONOMY_ADD_TAG = model('Taxonomy', 'The tag(s) could not be saved. Please, try again.', {
  taxonomy_id: Id('when the address names none'), name: Text('one tag of the taxonomy'),
  nameList: AnyValue('tags of the taxonomy: a list, or a JSON text of one (as MISP\'s form sends)'),
});

export const TAXONOMY_REQUIRED = model('Taxonomy', 'Could not toggleRequired Taxonomy', { required: Flag('publishing in MISP\'s web interface needs one of its tags') });
export const TAXONOMY_HIGHLIGHTED = model('Taxonomy', 'Could not toggleHighlighted Taxonomy', { highlighted: Flag('shown apart in MISP\'s web interface') });

export const GALAXY_ATTACH = model('Galaxy', 'Could not attach the cluster', { target_id: Id('the galaxy cluster (id)') });

/** tags/search: MISP takes `tag` (one or a list), else every value of the body as a term (PyMISP sends `tagname`). */
export const TAG_SEARCH = Fields({
  tag: OneOrMany('names, % as wildcard'), tagname: AnyValue('a name, % as wildcard (as PyMISP sends it)'),
  strict_tagname: AnyValue('taken by MISP only from the address: /tags/search/NAME/1'),
});

export const EVENT_BLOCKLIST_BODY = model('EventBlocklist', 'Could not save the blocklist item.', {
  uuids: OneOrMany('the event uuids to block (add); a text holds one a line'), event_info: Text('the event\'s title, as a reminder'),
  event_orgc: Text('the event\'s creator, as a reminder'), comment: Text('why'),
});

export const ORG_BLOCKLIST_BODY = model('OrgBlocklist', 'Could not save the blocklist item.', {
  uuids: OneOrMany('the organisation uuids to block (add); a text holds one a line'), org_name: Text('the organisation\'s name, as a reminder'), comment: Text('why'),
});

export const BLOCKLIST_MASS_DELETE = model('EventBlocklist', 'Invalid event IDs.', { ids: AnyValue('the entries\' ids: a list, or a JSON text of one') });

const CLUSTER_RELATION_FIELDS = {
  galaxy_cluster_uuid: Text('the cluster the relation starts from'), referenced_galaxy_cluster_uuid: Text('the cluster it points to'),
  referenced_galaxy_cluster_type: Text('the relation, e.g. similar'), distribution: Text('0 organisation … 3 all, 4 sharing group'),
  sharing_group_id: Text('at distribution 4'), tags: Text('tag names, comma separated'), Tag: Tags,
};

export const GALAXY_CLUSTER_BODY = model('GalaxyCluster', 'The galaxy cluster could not be saved.', {
  value: Text('the cluster\'s name'), description: Text(''), source: Text(''), authors: AnyValue('a list of names, or their JSON, or comma separated'),
  distribution: Text('0 organisation, 1 community, 2 connected, 3 all, 4 sharing group'), sharing_group_id: Text('at distribution 4'),
  GalaxyElement: Items(AnyValue(), 'the cluster\'s elements: [{"key": …, "value": …}] (its meta); they replace the old ones'),
  elements: Text('the elements as JSON text (MISP\'s form field)'),
  GalaxyClusterRelation: Items(AnyValue(), 'relations to other clusters, each as galaxy_cluster_relations/add takes it'),
  extends_uuid: Text('the cluster this one forks'), extends_version: Text('the version of the cluster forked'),
});

export const GALAXY_CLUSTER_DELETE = Fields({ hard: Flag('delete for good (default: soft, the cluster stays marked deleted)') });

export const GALAXY_CLUSTER_RELATION_BODY = model('GalaxyClusterRelation', 'The galaxy cluster relation could not be saved.', CLUSTER_RELATION_FIELDS);

const WARNINGLIST_FIELDS = {
  name: Text('unique'), description: Text(''), type: Text('string, substring, hostname, cidr or regex'),
  category: Text('false_positive (default) or known'),
  entries: AnyValue('the values: a list (of values or {"value": …, "comment": …}), or text with one a line ("value # comment")'),
  matching_attributes: AnyValue('the attribute types it applies to (default ["ALL"])'),
};

export const WARNINGLIST_ADD = model('Warninglist', 'Could not add warninglist', WARNINGLIST_FIELDS);
export const WARNINGLIST_EDIT = model('Warninglist', 'Could not edit warninglist', WARNINGLIST_FIELDS);

/** eventDelegations/delegateEvent: the organisation asked (id or uuid), what the event should be shared with, a note. */
export const DELEGATION_BODY = model('EventDelegation', 'Invalid input, could not create the Delegation Request.', {
  event_id: Text('the event (the address names it too)'), org_id: Text('the organisation asked to take the event: id or uuid'),
  distribution: Text('-1 the recipient decides (PyMISP\'s default), 0 organisation … 4 sharing group; absent: 0'),
  sharing_group_id: Text('at distribution 4'), message: Text('a note for the organisation asked'),
});

/**
 * shadow_attributes/add and edit: an attribute's fields, bare or wrapped in ShadowAttribute (or, as
 * MISP also takes, Attribute, Proposal, or `request`); the handler unwraps them.
 */
export const PROPOSAL_BODY = Fields({ ...ATTRIBUTE_FIELDS, ShadowAttribute: AnyValue(), Attribute: AnyValue(), Proposal: AnyValue(), request: AnyValue() },
  'a proposed attribute, bare or as {"ShadowAttribute": {…}}');

export const DECAYING_MODEL_BODY = model('DecayingModel', 'The model could not be saved. Please try again.', {
  name: Text('required on add'), description: Text(''), formula: Text('Polynomial (default), PolynomialExtended or Sightings'),
  parameters: AnyValue('object (or its JSON text): lifetime (days), decay_speed, threshold, default_base_score, base_score_config {tag base: weight}, settings'),
  attribute_types: AnyValue('the attribute types it scores: a list (or its JSON text)'), ref: AnyValue('references: a list'),
  enabled: Flag('scores searches unasked'), all_orgs: Flag('shown to every organisation (default)'),
});

export const DECAYING_MAPPING_BODY = model('DecayingModelMapping', 'The model must link to at least one attribute type', {
  attributetypes: AnyValue('the attribute types: a JSON text of a list, as MISP\'s form posts it, or a list'),
});
