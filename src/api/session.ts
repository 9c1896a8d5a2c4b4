import type { FastifyRequest } from 'fastify';
import type { Viewer } from '../access/viewer.js';
import type { Permission } from '../access/roles.js';
import type { User } from '../store/users.js';
import { ApiError } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    user: User | undefined;
  }
}

export const AUTH_FAILED = 'Authentication failed. Please make sure you pass the API key of an API enabled user along in the Authorization header.';

/** The user behind a request; every route but the public ones is reached only with one. */
export function userOf(request: FastifyRequest): User {
  if (!request.user) throw new ApiError(403, AUTH_FAILED);
  return request.user;
}

export function viewerOf(user: User): Viewer {
  return { kind: 'user', orgId: user.org.id, siteAdmin: user.role.permissions.includes('perm_site_admin') };
}

export function can(user: User, permission: Permission): boolean {
  return user.role.permissions.includes(permission) || user.role.permissions.includes('perm_site_admin');
}

export function requirePermission(user: User, permission: Permission): void {
  if (!can(user, permission)) throw new ApiError(403, `You do not have permission to do that (${permission}).`);
}

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
