/** The shapes of the API answers the interface reads (MISP's, as Cairn serves them). */

/** What the signed-in user may do, as the server's policy decides (src/access/policy/abilities.ts). */
export interface UserAbilities {
  siteAdmin: boolean;
  orgAdmin: boolean;
  canAdd: boolean;
  canPublish: boolean;
  canSync: boolean;
  canTag: boolean;
  canEditTags: boolean;
  canDeleteTags: boolean;
  canSight: boolean;
  canMakeApiKeys: boolean;
  canManageUsers: boolean;
  canEditRoles: boolean;
  canEditOrganisations: boolean;
  canMakeSharingGroups: boolean;
  canReadAuditLog: boolean;
  canManageCorrelationExclusions: boolean;
  canToggleWarninglists: boolean;
  canToggleTaxonomies: boolean;
  canToggleNoticelists: boolean;
  canEditGalaxies: boolean;
}

/** What the user may do to one event (cairn/events/ID/abilities). */
export interface EventAbilities {
  change: boolean;
  publish: boolean;
  delete: boolean;
  tag: boolean;
  tagLocally: boolean;
  addAttribute: boolean;
  addObject: boolean;
  editItems: boolean;
  deleteItems: boolean;
  purgeItems: boolean;
  propose: boolean;
}

export interface Me {
  User: { id: string; email: string; org_id: string };
  Role: { name: string } & Record<string, unknown>;
  Organisation: { id: string; name: string; uuid: string };
  abilities: UserAbilities;
  csrfToken: string;
}

export interface TagDoc {
  name: string;
  colour?: string;
  local?: boolean;
}

export interface SightingDoc {
  uuid: string;
  type: string;
  date_sighting: string;
  Organisation?: { name: string };
}

export interface AttributeDoc {
  id?: string;
  event_id?: string;
  uuid: string;
  type: string;
  category: string;
  value: string;
  to_ids: boolean;
  comment: string;
  deleted: boolean;
  timestamp: string;
  object_relation?: string | null;
  Tag?: TagDoc[];
  Sighting?: SightingDoc[];
}

export interface ObjectDoc {
  uuid: string;
  name: string;
  'meta-category': string;
  description?: string;
  comment: string;
  deleted: boolean;
  Attribute: AttributeDoc[];
}

export interface GalaxyDoc {
  name: string;
  type: string;
  GalaxyCluster: Array<{ value: string; description?: string; tag_name: string }>;
}

/** What events/index and events/view both say of an event. */
interface EventFields {
  id: string;
  uuid: string;
  info: string;
  date: string;
  threat_level_id: string;
  analysis: string;
  distribution: string;
  published: boolean;
}

export interface EventDoc extends EventFields {
  timestamp: string;
  Org: { id?: string; name: string; uuid: string };
  Orgc: { id?: string; name: string; uuid: string };
  Tag?: TagDoc[];
  Attribute: AttributeDoc[];
  Object: ObjectDoc[];
  Galaxy?: GalaxyDoc[];
  RelatedEvent?: Array<{ Event: { id: string; uuid: string; info: string; date: string } }>;
}

export interface Annotations {
  attributes: Record<string, { correlations: number; warninglists: string[] }>;
  overCorrelating: Array<{ value: string; events: number }>;
  objectDescriptions: Record<string, string>;
  related: Array<{ id: number; uuid: string; info: string; date: string; shared: number; values: string[] }>;
}

export interface IndexEntry extends EventFields {
  attribute_count: string;
  Orgc: { name: string };
  EventTag: Array<{ Tag: { name: string; colour?: string } }>;
}

export interface Dashboard {
  events: number;
  attributes: number;
  objects: number;
  correlations: number;
  latest: Array<{ id: number; uuid: string; info: string; date: string; org: string; attributes: number; published: boolean; tags: Array<{ name: string; colour: string }> }>;
  topTags: Array<{ name: string; events: number }>;
  attributesByType: Record<string, number>;
  eventsByMonth: Array<{ month: string; events: number }>;
}

export const THREAT_LEVELS: Record<string, string> = { '1': 'High', '2': 'Medium', '3': 'Low', '4': 'Undefined' };
export const ANALYSIS: Record<string, string> = { '0': 'Initial', '1': 'Ongoing', '2': 'Completed' };
export const DISTRIBUTIONS: Record<string, string> = {
  '0': 'Your organisation only', '1': 'This community only', '2': 'Connected communities', '3': 'All communities', '4': 'Sharing group', '5': 'Inherit event',
};
