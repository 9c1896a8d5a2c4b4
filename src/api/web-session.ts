import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Store } from '../store/db/database.js';
import { sessionOf, startSession, type SessionLimits } from '../store/access/sessions.js';
import type { User } from '../store/access/users.js';
import { ApiError } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The CSRF token of the session the request came with, when it came with one. */
    sessionCsrf: string | undefined;
  }
}

export const SESSION_COOKIE = 'cairn_session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A cookie's value from a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

export interface WebSessionOptions extends SessionLimits {
  /** Mark the cookie Secure (the server speaks HTTPS). */
  secure: boolean;
}

/**
 * Signing in to the web interface: a session in an HTTP-only, SameSite=Strict cookie, and a CSRF token
 * that every change a session asks for must carry in X-CSRF-Token (the interface reads it from the
 * sign-in answer or from auth/session). API keys need neither.
 */
export class WebSessions {
  constructor(private readonly store: Store, private readonly options: WebSessionOptions) {}

  /** Sets request.user from the session cookie, if any; refuses a change that does not carry its CSRF token. */
  async authenticate(request: FastifyRequest): Promise<void> {
    const token = cookieValue(request.headers.cookie, SESSION_COOKIE);
    if (!token) return;
    const session = await sessionOf(this.store, token, this.options);
    if (!session) return;
    if (!SAFE_METHODS.has(request.method) && request.headers['x-csrf-token'] !== session.csrf) {
      throw new ApiError(403, 'This change needs the CSRF token of your session in X-CSRF-Token.');
    }
    request.user = session.user;
    request.sessionCsrf = session.csrf;
  }

  cookie(token: string, maxAgeSeconds?: number): string {
    return [`${SESSION_COOKIE}=${token}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', ...(this.options.secure ? ['Secure'] : []),
      ...(maxAgeSeconds !== undefined ? [`Max-Age=${maxAgeSeconds}`] : [])].join('; ');
  }

  /** Starts a session for the user: its cookie goes with the reply, its CSRF token is returned. */
  async start(reply: FastifyReply, user: User): Promise<string> {
    const tokens = await startSession(this.store, user.id);
    reply.header('set-cookie', this.cookie(tokens.token));
    return tokens.csrf;
  }
}
