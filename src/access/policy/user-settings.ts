import type { Permission } from '../roles.js';
import type { User } from '../user.js';
import { can, isSiteAdmin } from './permissions.js';
import type { UserFacts } from './users.js';

/**
 * MISP's per-user settings, by name, with the permission a restricted one needs. `oidc` is MISP's
 * internal one (its sign-in plugin's data): site admins only.
 */
const USER_SETTINGS: Readonly<Record<string, { restricted?: Permission; internal?: true }>> = {
  publish_alert_filter: {},
  dashboard_access: { restricted: 'perm_site_admin' },
  dashboard: {},
  homepage: {},
  default_restsearch_parameters: {},
  tag_numerical_value_override: {},
  event_index_hide_columns: {},
  oidc: { internal: true },
  periodic_notification_filters: {},
};

export function isUserSettingName(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(USER_SETTINGS, name);
}

/** The permission the user lacks to hold this setting, if any (MISP names it without `perm_`). */
export function userSettingLack(user: User, name: string): string | undefined {
  const s = USER_SETTINGS[name];
  if (s?.internal && !isSiteAdmin(user)) return 'site_admin';
  if (s?.restricted && !can(user, s.restricted)) return s.restricted.slice('perm_'.length);
  return undefined;
}

/** Internal settings are shown to site admins only. */
export function maySeeUserSetting(user: User, name: string): boolean {
  return !USER_SETTINGS[name]?.internal || isSiteAdmin(user);
}

/** A user's settings are his; an organisation admin's for his organisation's users; a site admin's for all. */
export function mayManageSettingsOf(user: User, target: UserFacts): boolean {
  return user.id === target.id || isSiteAdmin(user) || (can(user, 'perm_admin') && user.org.id === target.orgId);
}
