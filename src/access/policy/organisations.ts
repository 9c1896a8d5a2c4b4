import type { User } from '../user.js';
import { isSiteAdmin } from './permissions.js';

/** Every user reads the organisations; only site admins add and change them. */
export function mayEditOrganisations(user: User): boolean {
  return isSiteAdmin(user);
}

/** A site admin deletes an organisation, but not his own: he would saw off the branch he sits on. */
export function mayDeleteOrganisation(user: User, org: { id: number }): boolean {
  return isSiteAdmin(user) && org.id !== user.org.id;
}
