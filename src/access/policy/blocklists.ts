import type { User } from '../user.js';
import { can, isSiteAdmin } from './permissions.js';

/**
 * The event blocklist is kept, as in MISP, by the host organisation's users who may add events (and
 * site admins); they alone read it too, for a blocked uuid says what this instance refuses.
 * `hostOrgId` is the instance's own organisation (the first local one).
 */
export function mayManageEventBlocklist(user: User, hostOrgId: number | undefined): boolean {
  return isSiteAdmin(user) || (hostOrgId !== undefined && user.org.id === hostOrgId && can(user, 'perm_add'));
}

/** The organisation blocklist refuses a whole organisation's events: site admins only, reading it as well. */
export function mayManageOrgBlocklist(user: User): boolean {
  return isSiteAdmin(user);
}
