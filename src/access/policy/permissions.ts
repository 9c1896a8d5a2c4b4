import type { Permission } from '../roles.js';
import type { User } from '../user.js';

/** Whether the user's role carries the flag; a site admin's carries every one. */
export function can(user: User, permission: Permission): boolean {
  return user.role.permissions.includes(permission) || user.role.permissions.includes('perm_site_admin');
}

export function isSiteAdmin(user: User): boolean {
  return user.role.permissions.includes('perm_site_admin');
}

/** An organisation admin in MISP's sense: perm_admin without being a site admin. */
export function isOrgAdmin(user: User): boolean {
  return user.role.permissions.includes('perm_admin') && !isSiteAdmin(user);
}
