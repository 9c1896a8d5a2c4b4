/** MISP's permission flags, as its roles carry them. */
export const PERMISSIONS = [
  'perm_add', 'perm_modify', 'perm_modify_org', 'perm_publish', 'perm_delegate', 'perm_sync', 'perm_admin',
  'perm_audit', 'perm_auth', 'perm_site_admin', 'perm_regexp_access', 'perm_tagger', 'perm_template',
  'perm_sharing_group', 'perm_tag_editor', 'perm_sighting', 'perm_object_template', 'perm_publish_zmq',
  'perm_publish_kafka', 'perm_decaying', 'perm_galaxy_editor', 'perm_warninglist', 'perm_view_feed_correlations',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

// As MISP 2.5 ships them (INSTALL/MYSQL.sql): a User may also make galaxy clusters of his organisation's, and
// carries perm_audit, which reads the audit log only together with perm_admin.
const USER: Permission[] = ['perm_add', 'perm_modify', 'perm_modify_org', 'perm_audit', 'perm_auth', 'perm_tagger', 'perm_sighting', 'perm_decaying', 'perm_galaxy_editor'];
const PUBLISHER: Permission[] = [...USER, 'perm_publish', 'perm_delegate', 'perm_publish_zmq', 'perm_publish_kafka'];
const ORG_ADMIN: Permission[] = [...PUBLISHER, 'perm_admin', 'perm_template', 'perm_sharing_group', 'perm_tag_editor'];

/**
 * MISP's default roles, by name, with what each may do (as MISP ships them). Of them only admin sees
 * feed hits (perm_view_feed_correlations): MISP's fresh installs grant it to no other default role,
 * while its upgrade granted it to every role that existed (migration 048 does the same here).
 */
export const DEFAULT_ROLES: ReadonlyArray<{ name: string; permissions: readonly Permission[] }> = [
  { name: 'admin', permissions: PERMISSIONS },
  { name: 'Org Admin', permissions: ORG_ADMIN },
  { name: 'User', permissions: USER },
  { name: 'Publisher', permissions: PUBLISHER },
  { name: 'Sync user', permissions: [...PUBLISHER, 'perm_sync', 'perm_sharing_group', 'perm_tag_editor'] },
  { name: 'Read Only', permissions: ['perm_auth'] },
];

/** The flags of a role as MISP lists them: every flag, true or false. */
export function permissionFlags(granted: readonly string[]): Record<Permission, boolean> {
  const set = new Set(granted);
  return Object.fromEntries(PERMISSIONS.map((p) => [p, set.has(p)])) as Record<Permission, boolean>;
}
