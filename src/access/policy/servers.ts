import type { User } from '../user.js';
import { isSiteAdmin } from './permissions.js';
import { maySync } from './events.js';

/** Remote instances, their keys and their runs are the site admins' alone, as in MISP. */
export function mayManageServers(user: User): boolean {
  return isSiteAdmin(user);
}

/**
 * The endpoints another instance calls while it syncs with this one (filterEventIdsForPush, pushCluster,
 * bulkSaveSightings…) take a sync user, as MISP's ACL has them; site admins may call them too.
 */
export function mayCallAsRemote(user: User): boolean {
  return maySync(user) || isSiteAdmin(user);
}
