import type { User } from '../user.js';
import { can, isSiteAdmin } from './permissions.js';

/** Sighting what one sees takes perm_sighting: a sighting is the user's organisation's, not the event's. */
export function mayAddSighting(user: User): boolean {
  return can(user, 'perm_sighting');
}

/** A sighting is taken back by the organisation that made it, or by a site admin. */
export function mayDeleteSighting(user: User, sighting: { orgUuid: string | null }): boolean {
  return isSiteAdmin(user) || (mayAddSighting(user) && sighting.orgUuid === user.org.uuid);
}
