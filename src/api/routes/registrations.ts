import type { FastifyInstance, FastifyRequest } from 'fastify';
import { mayHandleRegistrations } from '../../access/policy/registrations.js';
import { findOrganisation, findOrganisationById } from '../../store/access/organisations.js';
import { addRegistration, deleteRegistration, findRegistrations, listRegistrations, type Registration } from '../../store/access/registrations.js';
import { addUser, defaultRoleId, findRole } from '../../store/access/users.js';
import { saved, textField, type Fields } from '../body.js';
import type { ApiContext } from '../context.js';
import { ApiError } from '../errors.js';
import { documented } from '../openapi.js';
import { lacking, refuseUnless, userOf } from '../session.js';

/** What a registration may ask for, as MISP keeps it: each field given, as text. */
const ASKED = ['email', 'org_name', 'org_uuid', 'message', 'pgp', 'custom_perms', 'perm_sync', 'perm_publish', 'perm_admin'] as const;
const EMAIL = /^[^@\s]+@[^@\s]+$/;
const WAITING_PER_ADDRESS = 20;

/** A registration as MISP's users/registrations answers it (an inbox entry). */
function inboxDocument(r: Registration) {
  return {
    Inbox: {
      id: String(r.id), uuid: r.uuid, title: `User registration for ${String(r.data.email)}.`, type: 'registration', ip: r.ip, user_agent: r.userAgent,
      comment: r.comment, deleted: false, timestamp: String(r.created), store_as_file: false, data: r.data,
    },
  };
}

const unwrap = (body: unknown, model: string): Fields => {
  const raw = (body ?? {}) as Fields;
  return (typeof raw[model] === 'object' && raw[model] !== null ? raw[model] : raw) as Fields;
};

/**
 * Self-registration, as MISP's: while Security.allow_self_registration is on, anyone may ask for an
 * account (no key needed); site admins list the requests, accept one (the user is made in the
 * organisation and role they choose) or discard it. Cairn sends no e-mail: the admin gives the new user a key.
 */
export async function registrationRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store, settings } = ctx;
  documented(app, 'Users, roles and keys', {
    'POST /users/register': { summary: 'Ask for an account (no key; only while Security.allow_self_registration is on): email, org_name, org_uuid, message' },
    'GET /users/registrations': { summary: 'The requests for accounts waiting (site admins); filter value' },
    'GET /users/registrations/index': { summary: 'The requests for accounts waiting (site admins); filter value' },
    'DELETE /users/discardRegistrations/:id': { summary: 'Discard a request (site admins)' },
    'POST /users/acceptRegistrations/:id': { summary: 'Make the user a request asked for: {"User": {"org_id": …, "role_id": …}} (site admins)' },
    'POST /users/discardRegistrations/:id': { summary: 'Discard a request (site admins)' },
  });

  app.post('/users/register', async (request) => {
    if ((await settings.all())['registration.allow'] !== 'true') throw new ApiError(405, 'Self registration is not enabled on this instance.');
    const body = unwrap(request.body, 'User');
    const data: Record<string, string> = {};
    for (const k of ASKED) {
      const v = body[k];
      if (v === undefined || v === null) continue;
      data[k] = typeof v === 'boolean' ? (v ? '1' : '') : String(v).trim();
    }
    data.message ??= '';
    if (!data.email) throw new ApiError(400, 'We require at least the email field to be filled.');
    if (!EMAIL.test(data.email)) throw new ApiError(403, `Request could not be created.Errors: ${JSON.stringify({ email: ['An email address is required'] })}`);
    // Nobody is signed in here: an address may have only so many requests waiting, so that a script cannot fill the inbox.
    if ((await listRegistrations(store)).filter((r) => r.ip === request.ip).length >= WAITING_PER_ADDRESS) {
      throw new ApiError(429, 'Too many registrations from this address are waiting for an administrator.');
    }
    const agent = request.headers['user-agent'];
    await addRegistration(store, { ip: request.ip, userAgent: (Array.isArray(agent) ? agent[0] : agent) ?? '', comment: data.message, data });
    return saved('Request sent. The administrators of this community have been notified.', '/users/register');
  });

  const index = async (request: FastifyRequest) => {
    refuseUnless(mayHandleRegistrations(userOf(request)), lacking('perm_site_admin'));
    const value = textField((request.query ?? {}) as Fields, 'value')?.toLowerCase();
    return (await listRegistrations(store))
      .filter((r) => !value || [JSON.stringify(r.data), r.ip, r.userAgent].some((f) => f.toLowerCase().includes(value)))
      .map(inboxDocument);
  };
  app.get('/users/registrations', index);
  app.get('/users/registrations/index', index);

  app.post<{ Params: { id: string } }>('/users/acceptRegistrations/:id', async (request) => {
    refuseUnless(mayHandleRegistrations(userOf(request)), lacking('perm_site_admin'));
    const body = unwrap(request.body, 'User');
    const roleRef = body.role_id ?? await defaultRoleId(store);
    const role = roleRef === undefined || roleRef === null ? undefined : await findRole(store, Number(roleRef));
    if (!role) throw new ApiError(400, 'Role ID not provided and no default role exist on the instance');
    const orgRef = body.org_id;
    if (orgRef === undefined || orgRef === null || orgRef === '') throw new ApiError(400, 'No organisation selected. Supply an Organisation ID');
    const org = /^\d+$/.test(String(orgRef)) ? await findOrganisationById(store, Number(orgRef)) : await findOrganisation(store, String(orgRef));
    if (!org) throw new ApiError(403, 'Could not add 1 user(s): no such organisation.');
    const waiting = await findRegistrations(store, [request.params.id]);
    if (waiting.length === 0) throw new ApiError(403, 'No new users added - there was nothing to add.');
    const problems: string[] = [];
    for (const r of waiting) {
      const made = await addUser(store, String(r.data.email ?? ''), org.id, role.name);
      if (made.ok) await deleteRegistration(store, r.id);
      else problems.push(made.reason);
    }
    if (problems.length > 0) throw new ApiError(403, `Could not add ${problems.length} user(s): ${problems.join('; ')}`);
    return saved(`Added ${waiting.length} user(s).`, '/users/acceptRegistrations');
  });

  const discard = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    refuseUnless(mayHandleRegistrations(userOf(request)), lacking('perm_site_admin'));
    const waiting = await findRegistrations(store, [request.params.id]);
    for (const r of waiting) await deleteRegistration(store, r.id);
    return saved(`${waiting.length} registration(s) discarded.`, '/users/discardRegistrations');
  };
  app.post('/users/discardRegistrations/:id', discard);
  app.delete('/users/discardRegistrations/:id', discard);
}
