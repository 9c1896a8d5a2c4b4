import type { User } from '../user.js';
import { can, isSiteAdmin } from './permissions.js';

/** What a decision about a sharing group needs: the organisation that made it, and its members with their extend right. */
export interface SharingGroupFacts {
  orgId: number;
  members: ReadonlyArray<{ orgId: number; extend: boolean }>;
}

/** The facts of a sharing group as the store reads it. */
export function sharingGroupFacts(g: { org: { id: number }; organisations: ReadonlyArray<{ org: { id: number }; extend: boolean }> }): SharingGroupFacts {
  return { orgId: g.org.id, members: g.organisations.map((m) => ({ orgId: m.org.id, extend: m.extend })) };
}

/** Making a sharing group takes perm_sharing_group. */
export function mayMakeSharingGroups(user: User): boolean {
  return can(user, 'perm_sharing_group');
}

/** The group's own organisation edits it, and adds or removes members; so may a member the group lets extend it. */
export function mayEditSharingGroup(user: User, g: SharingGroupFacts): boolean {
  if (isSiteAdmin(user)) return true;
  if (!can(user, 'perm_sharing_group')) return false;
  return g.orgId === user.org.id || g.members.some((m) => m.extend && m.orgId === user.org.id);
}

/** Deleting is for the organisation that made the group alone: an extending member may add, not destroy. */
export function mayDeleteSharingGroup(user: User, g: SharingGroupFacts): boolean {
  return isSiteAdmin(user) || (can(user, 'perm_sharing_group') && g.orgId === user.org.id);
}
