import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { passwordProblem } from '../access/passwords.js';
import { abilities } from '../access/policy/abilities.js';
import type { Store } from '../store/db/database.js';
import { endSession, endSessionsOf, sessionOf, startSession, userByPassword, type SessionLimits } from '../store/access/sessions.js';
import { setPassword, type User } from '../store/access/users.js';
import { ApiError } from './errors.js';
import { documented } from './openapi.js';
import { Session } from './schemas/answers.js';
import { userOf } from './session.js';
import { userDocument } from './routes/users.js';
import type { ApiContext } from './context.js';

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

  async start(reply: FastifyReply, user: User) {
    const tokens = await startSession(this.store, user.id);
    reply.header('set-cookie', this.cookie(tokens.token));
    return { ...userDocument(user), abilities: abilities(user), csrfToken: tokens.csrf };
  }
}

const textOf = (body: unknown, field: string): string => {
  const v = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[field] : undefined;
  if (typeof v !== 'string' || v === '') throw new ApiError(400, `${field} is required`, { errors: { [field]: [`${field} is required`] } });
  return v;
};

export async function webSessionRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store, sessions, failures } = ctx;
  documented(app, 'Web sessions', {
    'POST /auth/login': { summary: 'Sign in with e-mail and password: sets the session cookie, answers the user, what he may do (abilities) and the CSRF token', response: Session },
    'POST /auth/logout': { summary: 'End this session' },
    'GET /auth/session': { summary: "This session's user, what he may do (abilities) and its CSRF token", response: Session },
    'POST /auth/password': { summary: 'Change your password (current and new): ends your other sessions', response: Session },
  });

  app.post('/auth/login', async (request, reply) => {
    const wait = failures.retryAfter(request.ip);
    if (wait > 0) {
      reply.header('Retry-After', String(wait));
      throw new ApiError(429, `Too many failed sign-ins from this address; try again in ${wait} s.`);
    }
    const email = textOf(request.body, 'email');
    const password = textOf(request.body, 'password');
    const user = await userByPassword(store, email, password);
    if (!user) {
      failures.fail(request.ip);
      throw new ApiError(403, 'Wrong e-mail address or password.');
    }
    return sessions.start(reply, user);
  });

  app.post('/auth/logout', async (request, reply) => {
    const token = cookieValue(request.headers.cookie, SESSION_COOKIE);
    if (token) await endSession(store, token);
    reply.header('set-cookie', sessions.cookie('', 0));
    return { message: 'Signed out.' };
  });

  app.get('/auth/session', async (request) => {
    const user = userOf(request);
    if (!request.sessionCsrf) throw new ApiError(403, 'This request came with an API key, not a session.');
    return { ...userDocument(user), abilities: abilities(user), csrfToken: request.sessionCsrf };
  });

  app.post('/auth/password', async (request, reply) => {
    const user = userOf(request);
    const current = textOf(request.body, 'current');
    const password = textOf(request.body, 'password');
    if (!(await userByPassword(store, user.email, current))) throw new ApiError(403, 'The current password is wrong.', { errors: { current: ['wrong password'] } });
    const problem = passwordProblem(password);
    if (problem) throw new ApiError(403, problem, { errors: { password: [problem] } });
    await setPassword(store, user.id, password);
    await endSessionsOf(store, user.id);
    return sessions.start(reply, user);
  });
}
