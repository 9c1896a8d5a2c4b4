import type { FastifyRequest } from 'fastify';
import type { Permission } from '../access/roles.js';
import { can } from '../access/policy/permissions.js';
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

export function requirePermission(user: User, permission: Permission): void {
  if (!can(user, permission)) throw new ApiError(403, `You do not have permission to do that (${permission}).`);
}

