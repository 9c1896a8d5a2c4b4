import type { User } from '../user.js';
import { can } from './permissions.js';

/**
 * Whether the user may change an event: a site admin, or a user of the organisation that owns or
 * created it whose role may modify. (Cairn does not record which user created an event, so MISP's
 * difference between perm_modify, own events, and perm_modify_org, the organisation's, is not made.)
 */
export function mayChange(user: User, event: { org: { uuid: string } | null; orgc: { uuid: string } }): boolean {
  if (can(user, 'perm_site_admin')) return true;
  const owner = event.org?.uuid === user.org.uuid || event.orgc.uuid === user.org.uuid;
  return owner && (can(user, 'perm_modify') || can(user, 'perm_modify_org'));
}

/** Only sync users and site admins store an event under the creator its document names; others' become their own. */
export function keepsCreator(user: User): boolean {
  return can(user, 'perm_sync');
}
