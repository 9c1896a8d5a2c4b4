import type { Generated } from 'kysely';
import type { Flag } from './column-types.js';
import type { DecayingModelTable, DecayingModelMappingTable, ServerTable, ServerRunTable, FeedRunTable, FeedTable, FeedValueTable } from './schema-exchange.js';

export type { DecayingModelTable, DecayingModelMappingTable, ServerTable, ServerRunTable, FeedRunTable, FeedTable, FeedValueTable } from './schema-exchange.js';

/**
 * The tables as Kysely sees them. Flags are stored as 0/1 integers and uuids as 16 raw bytes, the
 * same in both dialects, so that rows read back alike from SQLite and PostgreSQL.
 */
export interface Database {
  organisation: OrganisationTable;
  tag: TagTable;
  event: EventTable;
  event_tag: EventTagTable;
  object: ObjectTable;
  object_reference: ObjectReferenceTable;
  attribute: AttributeTable;
  attribute_tag: AttributeTagTable;
  sighting: SightingTable;
  event_report: EventReportTable;
  analyst_data: AnalystDataTable;
  setting: SettingTable;
  correlation_exclusion: CorrelationExclusionTable;
  warninglist: WarninglistTable;
  value: ValueTable;
  value_events: ValueEventsTable;
  role: RoleTable;
  user: UserTable;
  auth_key: AuthKeyTable;
  instance_secret: InstanceSecretTable;
  sharing_group: SharingGroupTable;
  sharing_group_org: SharingGroupOrgTable;
  sharing_group_server: SharingGroupServerTable;
  audit_log: AuditLogTable;
  taxonomy: TaxonomyTable;
  galaxy: GalaxyTable;
  galaxy_cluster: GalaxyClusterTable;
  galaxy_cluster_name: GalaxyClusterNameTable;
  galaxy_cluster_relation: GalaxyClusterRelationTable;
  object_template: ObjectTemplateTable;
  noticelist: NoticelistTable;
  taxii_collection: TaxiiCollectionTable;
  taxii_status: TaxiiStatusTable;
  session: SessionTable;
  user_setting: UserSettingTable;
  auth_failure: AuthFailureTable;
  generation: GenerationTable;
  registration: RegistrationTable;
  event_blocklist: EventBlocklistTable;
  org_blocklist: OrgBlocklistTable;
  shadow_attribute: ShadowAttributeTable;
  event_delegation: EventDelegationTable;
  decaying_model: DecayingModelTable;
  decaying_model_mapping: DecayingModelMappingTable;
  server: ServerTable;
  server_run: ServerRunTable;
  feed: FeedTable;
  feed_value: FeedValueTable;
  feed_run: FeedRunTable;
}

/** MISP's event delegations (migration 029): an event's creator asks another organisation to take it over. */
export interface EventDelegationTable {
  id: Generated<number>;
  event_id: number;
  org_id: number;
  requester_org_id: number;
  message: string;
  /** What the requester asks the event to be shared with; -1: the recipient decides. */
  distribution: number;
  sharing_group_id: number | null;
  created: number;
}

/** Uuids of events never imported, by any path (MISP's event blocklist). */
export interface EventBlocklistTable {
  id: Generated<number>;
  event_uuid: string;
  created: number;
  event_info: string;
  event_orgc: string;
  comment: string;
}

/** Uuids of organisations whose events are never imported (MISP's organisation blocklist). */
export interface OrgBlocklistTable {
  id: Generated<number>;
  org_uuid: string;
  created: number;
  org_name: string;
  comment: string;
}

export interface SessionTable {
  /** SHA-256 of the cookie's token, hex. */
  token_hash: string;
  user_id: number;
  csrf: string;
  created: number;
  last_seen: number;
}

export interface TaxiiCollectionTable {
  id: string;
  api_root: string;
  title: string;
  description: string;
  alias: string | null;
  kind: string;
  tag: string | null;
  sharing_group_id: number | null;
  writable: number;
  created: number;
}

export interface TaxiiStatusTable {
  id: string;
  user_id: number;
  created: number;
  /** The status resource as answered, JSON. */
  body: string;
}

export interface TaxonomyTable {
  id: Generated<number>;
  namespace: string;
  description: string;
  version: number;
  exclusive: number;
  enabled: number;
  /** MISP's administrator flags (migration 019): required for publishing in MISP's web interface; highlighted. */
  required: Generated<number>;
  highlighted: Generated<number>;
  /** The taxonomy as `libraries/taxonomy.ts` parsed it, as JSON. */
  definition: string;
}

export interface GalaxyTable {
  id: Generated<number>;
  uuid: string;
  type: string;
  name: string;
  namespace: string;
  description: string;
  version: number;
  icon: string;
  /** JSON: kill chain → phases. */
  kill_chain_order: string | null;
}

export interface GalaxyClusterTable {
  id: Generated<number>;
  uuid: string;
  galaxy_id: number;
  type: string;
  value: string;
  tag_name: string;
  description: string;
  source: string;
  /** JSON array. */
  authors: string;
  version: number;
  /** JSON object, as published. */
  meta: string;
  /** JSON array of { destUuid, type, tags }: a library cluster's relations (a custom one's are in galaxy_cluster_relation). */
  related: string;
  /** 1 for a cluster a user made, 0 for a loaded (library) one. */
  custom: Generated<number>;
  org_id: number | null;
  orgc_id: number | null;
  distribution: Generated<number>;
  sharing_group_id: number | null;
  published: Generated<number>;
  deleted: Generated<number>;
  extends_uuid: string | null;
  extends_version: number | null;
  /** 1: came from another instance (migration 047). */
  locked: Generated<number>;
}

/** A custom cluster's relation to another cluster. */
export interface GalaxyClusterRelationTable {
  id: Generated<number>;
  galaxy_cluster_id: number;
  referenced_uuid: string;
  type: string;
  distribution: number;
  sharing_group_id: number | null;
  /** JSON array of tag names. */
  tags: string;
}

export interface GalaxyClusterNameTable {
  tag_name: string;
  cluster_id: number;
  /** 1 when the name is one of the cluster's synonyms rather than its value. */
  synonym: number;
}

export interface ObjectTemplateTable {
  id: Generated<number>;
  uuid: string;
  name: string;
  version: number;
  meta_category: string;
  description: string;
  /** The definition.json as published. */
  definition: string;
}

export interface NoticelistTable {
  id: Generated<number>;
  name: string;
  expanded_name: string;
  version: number;
  enabled: number;
  /** The noticelist as `libraries/noticelist.ts` parsed it, as JSON. */
  definition: string;
}

export interface AuditLogTable {
  id: Generated<number>;
  created: number;
  user_id: number | null;
  email: string;
  org_id: number | null;
  ip: string;
  /** add, edit, delete, publish, … as the API's address names it. */
  action: string;
  /** Event, Attribute, Object, Tag, User, … */
  model: string;
  /** The id or uuid the address named; empty for an add. */
  model_id: string;
  /** The method and path of the request. */
  request: string;
}

export interface SharingGroupTable {
  id: Generated<number>;
  uuid: Buffer;
  name: string;
  description: string;
  releasability: string;
  /** The organisation that made the group. */
  org_id: number;
  active: number;
  roaming: number;
  local: number;
  created: number;
  modified: number;
}

export interface SharingGroupOrgTable {
  id: Generated<number>;
  sharing_group_id: number;
  org_id: number;
  /** The organisation may add others to the group. */
  extend: number;
}

export interface SharingGroupServerTable {
  id: Generated<number>;
  sharing_group_id: number;
  /** 0 is this instance. */
  server_id: number;
  /** Every organisation of that instance is in the group. */
  all_orgs: number;
}

export interface RoleTable {
  id: Generated<number>;
  name: string;
  /** JSON array of the permission flags granted. */
  permissions: string;
  /** 1 for the role a new user gets when none is named (one role at most). */
  default_role: Generated<number>;
  /** MISP's per-role PHP limits (migration 021), as text, '' for none: stored and shown, not applied. */
  max_execution_time: Generated<string>;
  memory_limit: Generated<string>;
}

export interface UserTable {
  id: Generated<number>;
  email: string;
  org_id: number;
  role_id: number;
  disabled: Generated<number>;
  created: number;
  /** scrypt hash (src/access/passwords.ts); null for a user who signs in with API keys only. */
  password_hash: string | null;
  /** When the password was last set (seconds); 0: never. */
  last_pw_change: Generated<number>;
  /** 1 when the user must change his password at next sign-in. */
  change_pw: Generated<number>;
  autoalert: Generated<number>;
  contactalert: Generated<number>;
}

/** MISP's per-user settings: one JSON value per user and setting name. */
export interface UserSettingTable {
  id: Generated<number>;
  user_id: number;
  setting: string;
  value: string;
  timestamp: number;
}

/** A self-registration waiting for an administrator. */
export interface RegistrationTable {
  id: Generated<number>;
  uuid: string;
  created: number;
  ip: string;
  user_agent: string;
  comment: string;
  /** JSON of what was asked for. */
  data: string;
}

/** Failed authentications, shared by every server of the instance. */
export interface AuthFailureTable {
  scope: string;
  at: number;
}

/** Generation counters: a cache compares its copy's generation with this row to know it is current. */
export interface GenerationTable {
  name: string;
  value: number;
}

export interface AuthKeyTable {
  id: Generated<number>;
  user_id: number;
  /** HMAC-SHA256 of the key under the instance's secret. */
  key_hash: Buffer;
  key_start: string;
  key_end: string;
  comment: string;
  created: number;
}

export interface InstanceSecretTable {
  name: string;
  value: Buffer;
}

/** Each distinct value once (src/store/values/index.ts). */
export interface ValueTable {
  id: Generated<number>;
  /** valueKey() of the text, or the next free key when another value took it. */
  key: number;
  value: string;
  /** For an address or CIDR range: its first address in 128 bits (IPv4 mapped), big-endian. */
  ip_first: Buffer | null;
  /** Its prefix length in that 128-bit space. */
  ip_prefix: number | null;
}

/**
 * How many events hold each value in a correlating attribute (no row: none). Apart from the value
 * rows because it is what every import updates: a narrow table keeps those writes on few pages.
 */
export interface ValueEventsTable {
  value_id: number;
  events: number;
}

export interface WarninglistTable {
  id: Generated<number>;
  name: string;
  description: string;
  version: number;
  type: string;
  /** JSON array of attribute types. */
  matching_attributes: string;
  /** JSON array of the list's entries. */
  entries: string;
  entry_count: number;
  enabled: number;
  /** 1 for a list a user made (warninglists/add), 0 for a loaded one. */
  custom: Generated<number>;
  /** false_positive or known. */
  category: Generated<string>;
}

export interface CorrelationExclusionTable {
  id: Generated<number>;
  value: string;
  comment: string;
  created: number;
}

export interface SettingTable {
  name: string;
  value: string;
}

export interface OrganisationTable {
  id: Generated<number>;
  uuid: Buffer;
  name: string;
  local: Flag;
  created: number;
  description: Generated<string>;
  type: Generated<string>;
  nationality: Generated<string>;
  sector: Generated<string>;
  contacts: Generated<string>;
}

export interface TagTable {
  id: Generated<number>;
  name: string;
  colour: string;
  exportable: Flag;
  hide_tag: Flag;
  /** The only organisation that sees the tag and may use it; 0 for every organisation. */
  org_id: Generated<number>;
  /** The only user who may put the tag on things; 0 for every user. */
  user_id: Generated<number>;
}

export interface EventTable {
  id: Generated<number>;
  uuid: Buffer;
  orgc_id: number;
  org_id: number;
  info: string;
  date: string;
  threat_level_id: number;
  analysis: number;
  distribution: number;
  sharing_group_id: number | null;
  published: Flag;
  publish_timestamp: number;
  timestamp: number;
  extends_uuid: string | null;
  disable_correlation: Flag;
  attribute_count: number;
  /** When this server last wrote the event, in milliseconds (its TAXII objects' date_added). */
  changed: Generated<number>;
  /** MISP's protected mode: sync users may not change the event without a signature Cairn cannot check. */
  protected: Generated<Flag>;
  /** MISP's locked flag: the event came from another instance (migration 036). */
  locked: Generated<Flag>;
}

export interface EventTagTable {
  id: Generated<number>;
  event_id: number;
  tag_id: number;
  local: Flag;
  relationship_type: string | null;
}

export interface ObjectTable {
  id: Generated<number>;
  uuid: Buffer;
  event_id: number;
  name: string;
  meta_category: string;
  description: string;
  template_uuid: string;
  template_version: string;
  comment: string;
  distribution: number;
  sharing_group_id: number | null;
  timestamp: number;
  first_seen: string | null;
  last_seen: string | null;
  deleted: Flag;
}

export interface ObjectReferenceTable {
  id: Generated<number>;
  uuid: Buffer;
  event_id: number;
  object_id: number;
  referenced_uuid: Buffer;
  relationship_type: string;
  comment: string;
  timestamp: number;
  deleted: Flag;
}

export interface AttributeTable {
  id: Generated<number>;
  uuid: Buffer;
  event_id: number;
  object_id: number | null;
  object_relation: string | null;
  type: string;
  category: string;
  /** The value, or the first part of a composite value. */
  value1: string;
  /** The second part of a composite value; empty otherwise. */
  value2: string;
  /** The value row of value1, and of value2 for composites. */
  value1_id: number;
  value2_id: number | null;
  to_ids: Flag;
  distribution: number;
  sharing_group_id: number | null;
  comment: string;
  timestamp: number;
  first_seen: string | null;
  last_seen: string | null;
  disable_correlation: Flag;
  deleted: Flag;
  data: string | null;
}

export interface AttributeTagTable {
  id: Generated<number>;
  attribute_id: number;
  event_id: number;
  tag_id: number;
  local: Flag;
  relationship_type: string | null;
}

export interface SightingTable {
  id: Generated<number>;
  uuid: Buffer;
  attribute_id: number;
  event_id: number;
  org_id: number | null;
  type: number;
  date_sighting: number;
  source: string;
}

export interface EventReportTable {
  id: Generated<number>;
  uuid: Buffer;
  event_id: number;
  name: string;
  content: string;
  distribution: number;
  sharing_group_id: number | null;
  timestamp: number;
  deleted: Flag;
}

/** Notes, opinions and relationships (migration 013); `kind` says which, and which value columns are set. */
export interface AnalystDataTable {
  id: Generated<number>;
  uuid: Buffer;
  kind: string;
  object_uuid: Buffer;
  object_type: string;
  authors: string;
  language: string | null;
  orgc_id: number;
  org_id: number;
  distribution: number;
  sharing_group_id: number | null;
  created: number;
  modified: number;
  note: string | null;
  opinion: number | null;
  comment: string | null;
  relationship_type: string | null;
  related_object_uuid: Buffer | null;
  related_object_type: string | null;
}

/** A proposal (MISP's shadow attribute); see migration 027. */
export interface ShadowAttributeTable {
  id: Generated<number>;
  /** Lower-case text: a new attribute's own uuid, or the uuid of the attribute the proposal changes. */
  uuid: string;
  event_id: number;
  /** 0 for a new attribute, else the id of the attribute changed. */
  old_id: number;
  /** The proposer's organisation. */
  org_id: number;
  email: string;
  type: string;
  category: string;
  value: string;
  to_ids: Flag;
  comment: string;
  first_seen: string | null;
  last_seen: string | null;
  disable_correlation: Flag;
  proposal_to_delete: Flag;
  deleted: Flag;
  timestamp: number;
}
