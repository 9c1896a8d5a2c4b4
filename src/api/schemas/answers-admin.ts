import { Type, type Static } from 'typebox';
import { PERMISSIONS } from '../../access/roles.js';
import { Doc, EpochText, IdText, Nullable, SqlDatetime, UuidText } from './answer-fields.js';

/*
 * What MISP's administration and library routes answer, as Cairn serves them: users, roles and keys
 * (routes/users.ts), organisations, sharing groups, the audit log, correlation exclusions, warninglists,
 * taxonomies and object templates (library-documents.ts).
 */

/** A role with every permission flag MISP knows, and MISP's PHP limits (stored and shown, not applied). */
export const Role = Doc({
  id: IdText(), name: Type.String(),
  max_execution_time: Type.String({ description: "seconds, or '' for none (MISP's PHP limit; Cairn does not apply it)" }),
  memory_limit: Type.String({ description: "such as 2048M, or '' for none (MISP's PHP limit; Cairn does not apply it)" }),
  ...Object.fromEntries(PERMISSIONS.map((p) => [p, Type.Boolean()])) as { [P in (typeof PERMISSIONS)[number]]: ReturnType<typeof Type.Boolean> },
});
export type Role = Static<typeof Role>;
/** The permission flags of a role, by name. */
export type RolePermission = Extract<keyof Role, `perm_${string}`>;

export const RoleEntry = Doc({ Role });
export type RoleEntry = Static<typeof RoleEntry>;

export const Roles = Type.Array(RoleEntry);

/** A user as users/view answers him: the user, his role with every flag, his organisation. */
export const UserDocument = Doc({
  User: Doc({
    id: IdText(), email: Type.String(), org_id: IdText(), role_id: IdText(), disabled: Type.Boolean(), autoalert: Type.Boolean(), contactalert: Type.Boolean(),
    termsaccepted: Type.Boolean(), change_pw: Type.Boolean(), date_created: EpochText(), date_modified: EpochText(), last_login: EpochText(), current_login: EpochText(),
    server_id: IdText(), invited_by: IdText(), nids_sid: IdText(), gpgkey: Type.String(), certif_public: Type.String(), external_auth_required: Type.Boolean(),
  }),
  Role,
  UserSetting: Type.Array(Type.Unknown()),
  Organisation: Doc({ id: IdText(), name: Type.String(), uuid: UuidText(), local: Type.Boolean() }),
});
export type UserDocument = Static<typeof UserDocument>;

export const Users = Type.Array(UserDocument);

export const Organisation = Doc({
  id: IdText(), name: Type.String(), uuid: UuidText(), local: Type.Boolean(), description: Type.String(), type: Type.String(),
  nationality: Type.String(), sector: Type.String(), contacts: Type.String(), date_created: SqlDatetime(), date_modified: SqlDatetime(),
  created_by: IdText(), restricted_to_domain: Type.Array(Type.String()), landingpage: Nullable(Type.String()),
});
export type Organisation = Static<typeof Organisation>;

export const OrganisationEntry = Doc({ Organisation });
export type OrganisationEntry = Static<typeof OrganisationEntry>;

export const Organisations = Type.Array(OrganisationEntry);

const GroupOrg = () => Doc({ id: IdText(), uuid: UuidText(), name: Type.String(), local: Type.Boolean() });

export const SharingGroupEntry = Doc({
  SharingGroup: Doc({
    id: IdText(), uuid: UuidText(), name: Type.String(), description: Type.String(), releasability: Type.String(), local: Type.Boolean(),
    active: Type.Boolean(), roaming: Type.Boolean(), org_id: IdText(), organisation_uuid: UuidText(), sync_user_id: IdText(),
    created: SqlDatetime(), modified: SqlDatetime(), org_count: IdText('how many organisations are members'),
  }),
  Organisation: GroupOrg(),
  SharingGroupOrg: Type.Array(Doc({ sharing_group_id: IdText(), org_id: IdText(), extend: Type.Boolean(), Organisation: GroupOrg() })),
  SharingGroupServer: Type.Array(Doc({
    sharing_group_id: IdText(), server_id: IdText(), all_orgs: Type.Boolean(),
    Server: Doc({ id: IdText(), name: Type.Optional(Type.String()), url: Type.Optional(Type.String()) }),
  })),
  editable: Type.Optional(Type.Boolean({ description: 'whether you may change it' })),
  deletable: Type.Optional(Type.Boolean({ description: 'whether you may delete it' })),
});
export type SharingGroupEntry = Static<typeof SharingGroupEntry>;

export const SharingGroups = Doc({ response: Type.Array(SharingGroupEntry) });
export type SharingGroups = Static<typeof SharingGroups>;

/** An API key by its first and last characters: the key itself is shown once, when it is made. */
export const AuthKey = Doc({
  id: IdText(), authkey_start: Type.String(), authkey_end: Type.String(), created: EpochText(), expiration: EpochText(), user_id: IdText(),
  comment: Type.String(), allowed_ips: Type.Null(), read_only: Type.Boolean(),
});
export type AuthKey = Static<typeof AuthKey>;

export const AuthKeyEntry = Doc({ AuthKey, User: Doc({ id: IdText(), email: Type.String() }) });
export type AuthKeyEntry = Static<typeof AuthKeyEntry>;

export const AuthKeys = Type.Array(AuthKeyEntry);

export const AuthKeyMade = Doc({ AuthKey: Doc({ ...AuthKey.properties, authkey_raw: Type.String({ description: 'the key, shown this once' }) }) });
export type AuthKeyMade = Static<typeof AuthKeyMade>;

export const AuditLogEntry = Doc({
  AuditLog: Doc({
    id: IdText(), created: SqlDatetime(), user_id: IdText(), org_id: IdText(), email: Type.String(), request_ip: Type.String(), action: Type.String(),
    model: Type.String(), model_id: Type.String(), title: Type.String({ description: 'the request' }),
  }),
});
export type AuditLogEntry = Static<typeof AuditLogEntry>;

export const AuditLog = Type.Array(AuditLogEntry);

export const CorrelationExclusionEntry = Doc({
  CorrelationExclusion: Doc({ id: IdText(), value: Type.String(), from_json: Type.Boolean(), comment: Type.String() }),
});
export type CorrelationExclusionEntry = Static<typeof CorrelationExclusionEntry>;

export const CorrelationExclusions = Type.Array(CorrelationExclusionEntry);

export const Warninglist = Doc({
  id: IdText(), name: Type.String(), type: Type.String(), description: Type.String(), version: IdText(), enabled: Type.Boolean(), default: Type.Boolean(),
  category: Type.String(), warninglist_entry_count: IdText(), valid_attributes: Type.String({ description: 'attribute types it applies to, comma-separated' }),
});
export type Warninglist = Static<typeof Warninglist>;

export const WarninglistEntry = Doc({ Warninglist });
export type WarninglistEntry = Static<typeof WarninglistEntry>;

export const Warninglists = Doc({ Warninglists: Type.Array(WarninglistEntry) });
export type Warninglists = Static<typeof Warninglists>;

export const TaxonomyEntry = Doc({
  Taxonomy: Doc({
    id: IdText(), namespace: Type.String(), description: Type.String(), version: IdText(), enabled: Type.Boolean(), exclusive: Type.Boolean(),
    required: Type.Boolean(), highlighted: Type.Boolean(),
  }),
  total_count: Type.Integer({ minimum: 0, description: 'tags the taxonomy defines' }),
  current_count: Type.Integer({ minimum: 0, description: 'of those, tags that exist here' }),
});
export type TaxonomyEntry = Static<typeof TaxonomyEntry>;

export const Taxonomies = Type.Array(TaxonomyEntry);

export const ObjectTemplate = Doc({
  id: IdText(), user_id: IdText(), org_id: IdText(), uuid: UuidText(), name: Type.String(), description: Type.String(), version: IdText(),
  'meta-category': Type.String(), fixed: Type.Boolean(), active: Type.Boolean(),
  requirements: Doc({ required: Type.Optional(Type.Array(Type.String())), requiredOneOf: Type.Optional(Type.Array(Type.String())) }),
});
export type ObjectTemplate = Static<typeof ObjectTemplate>;

export const ObjectTemplateEntry = Doc({ ObjectTemplate });
export type ObjectTemplateEntry = Static<typeof ObjectTemplateEntry>;

export const ObjectTemplates = Type.Array(ObjectTemplateEntry);

export const ObjectTemplateView = Doc({
  ObjectTemplate,
  ObjectTemplateElement: Type.Array(Doc({
    id: IdText(), object_template_id: IdText(), object_relation: Type.String(), type: Type.String(), 'ui-priority': Type.String(),
    categories: Type.Array(Type.String()), sane_default: Type.Array(Type.String()), values_list: Type.Array(Type.String()),
    description: Type.String(), disable_correlation: Type.Boolean(), multiple: Type.Boolean(),
  })),
});
export type ObjectTemplateView = Static<typeof ObjectTemplateView>;
