import type { FastifyRequest } from 'fastify';
import type { Permission } from '../access/roles.js';
import { can } from '../access/policy/permissions.js';
import type { User } from '../store/access/users.js';
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

/** Refuses the request (403) unless the policy allows it; the decision is the policy's, the wording the route's. */
export function refuseUnless(allowed: boolean, message: string): void {
  if (!allowed) throw new ApiError(403, message);
}

/**
 * MISP's refusal for a role that lacks what a request needs, in MISP's words (its ACL answers every such
 * request with this sentence, and clients such as PyMISP's tests compare it). The argument names, for
 * the reader of the route, which permission is lacking.
 */
export const lacking = (_what: Permission): string => 'You do not have permission to use this functionality.';

export function requirePermission(user: User, permission: Permission): void {
  refuseUnless(can(user, permission), lacking(permission));
}

