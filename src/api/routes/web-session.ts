import type { FastifyInstance } from 'fastify';
import { passwordProblem } from '../../access/passwords.js';
import { abilities } from '../../access/policy/abilities.js';
import { endSession, endSessionsOf, userByPassword } from '../../store/access/sessions.js';
import { setPassword } from '../../store/access/users.js';
import type { ApiContext } from '../context.js';
import { FailedAuthLimit } from '../auth-limit.js';
import { ApiError } from '../errors.js';
import { documented } from '../openapi.js';
import { Session } from '../schemas/answers.js';
import { userOf } from '../session.js';
import { SESSION_COOKIE, cookieValue } from '../web-session.js';
import { userDocument } from './users.js';

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
    const email = textOf(request.body, 'email');
    const password = textOf(request.body, 'password');
    // As MISP's brute-force protection: failures count per address and account.
    const scope = FailedAuthLimit.passwordScope(request.ip, email);
    const wait = await failures.retryAfter(scope);
    if (wait > 0) {
      reply.header('Retry-After', String(wait));
      throw new ApiError(429, `Too many failed sign-ins to this account from this address; try again in ${wait} s.`);
    }
    const user = await userByPassword(store, email, password);
    if (!user) {
      await failures.fail(scope);
      throw new ApiError(403, 'Wrong e-mail address or password.');
    }
    await failures.succeed(scope);
    return { ...userDocument(user), abilities: abilities(user), csrfToken: await sessions.start(reply, user) };
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
    // A session left open must not let its holder guess the password: the failures count as sign-ins' do.
    const scope = FailedAuthLimit.passwordScope(request.ip, user.email);
    const wait = await failures.retryAfter(scope);
    if (wait > 0) {
      reply.header('Retry-After', String(wait));
      throw new ApiError(429, `Too many wrong current passwords for this account from this address; try again in ${wait} s.`);
    }
    if (!(await userByPassword(store, user.email, current))) {
      await failures.fail(scope);
      throw new ApiError(403, 'The current password is wrong.', { errors: { current: ['wrong password'] } });
    }
    await failures.succeed(scope);
    const problem = passwordProblem(password);
    if (problem) throw new ApiError(403, problem, { errors: { password: [problem] } });
    await setPassword(store, user.id, password);
    await endSessionsOf(store, user.id);
    return { ...userDocument(user), abilities: abilities(user), csrfToken: await sessions.start(reply, user) };
  });
}
