import type { User } from '../user.js';
import { can, isSiteAdmin } from './permissions.js';

/** Correlation exclusions change what every user sees correlate: site admins only, reading them as well. */
export function mayManageCorrelationExclusions(user: User): boolean {
  return isSiteAdmin(user);
}

/** Turning warninglists on and off takes perm_warninglist (every user reads them and checks values). */
export function mayToggleWarninglists(user: User): boolean {
  return can(user, 'perm_warninglist');
}

/** Making, changing and deleting warninglists of the instance's own takes perm_warninglist, as turning them on and off. */
export function mayManageWarninglists(user: User): boolean {
  return can(user, 'perm_warninglist');
}
