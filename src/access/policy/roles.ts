import type { User } from '../user.js';
import { isSiteAdmin } from './permissions.js';

/** Every user reads the roles; only site admins add, change and delete them, as a role's flags reach every user holding it. */
export function mayEditRoles(user: User): boolean {
  return isSiteAdmin(user);
}
