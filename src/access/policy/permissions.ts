import type { Permission } from '../roles.js';
import type { User } from '../user.js';

/** Whether the user's role carries the flag; a site admin's carries every one. */
export function can(user: User, permission: Permission): boolean {
  return user.role.permissions.includes(permission) || user.role.permissions.includes('perm_site_admin');
}
