import type { Permission } from '../roles.js';
import type { User } from '../user.js';
import { can, isSiteAdmin } from './permissions.js';

/** A user as a decision about him needs him: who he is and which organisation he belongs to. */
export interface UserFacts {
  id: number;
  orgId: number;
}

export function userFacts(user: User): UserFacts {
  return { id: user.id, orgId: user.org.id };
}

/** Administering users at all: organisation admins (perm_admin) and site admins. */
export function mayAdministerUsers(user: User): boolean {
  return can(user, 'perm_admin');
}

/** A site admin manages every user; an organisation admin those of his organisation. */
export function mayManageUser(admin: User, target: { orgId: number }): boolean {
  return isSiteAdmin(admin) || (can(admin, 'perm_admin') && admin.org.id === target.orgId);
}

/** Only a site admin moves users between organisations. */
export function mayMoveUsers(admin: User): boolean {
  return isSiteAdmin(admin);
}

/**
 * Whether the admin may give a role: a role with perm_site_admin only a site admin gives, or an
 * organisation admin could make himself the master of the instance.
 */
export function mayGrantRole(admin: User, role: { permissions: readonly Permission[] }): boolean {
  return !role.permissions.includes('perm_site_admin') || isSiteAdmin(admin);
}

/** An admin may not lock himself out: disable his own account or change his own role. */
export function mayChangeAccount(admin: User, target: UserFacts, change: { disabled?: boolean; roleId?: number }): boolean {
  if (target.id !== admin.id) return true;
  return !change.disabled && (change.roleId === undefined || change.roleId === admin.role.id);
}

/** Deleting a user he manages, but never himself. */
export function mayDeleteUser(admin: User, target: UserFacts): boolean {
  return mayManageUser(admin, target) && target.id !== admin.id;
}

/** Making API keys takes perm_auth (MISP's "may use the API"). */
export function mayMakeApiKeys(user: User): boolean {
  return can(user, 'perm_auth');
}

/** A user's keys are his to see and revoke, and his admins'. */
export function mayManageKeysOf(user: User, owner: UserFacts): boolean {
  return owner.id === user.id || mayManageUser(user, owner);
}
