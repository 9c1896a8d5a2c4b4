import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isUuid } from '../../model/event.js';
import {
  addOrganisation, deleteOrganisation, editOrganisation, findOrganisation, findOrganisationById, listOrganisations, organisationInUse,
  type Organisation, type OrganisationFields,
} from '../../store/access/organisations.js';
import { flagField, modelBody, saved, sqlDatetime, textField, type Fields } from '../body.js';
import { ApiError, notFound } from '../errors.js';
import { lacking, refuseUnless, userOf } from '../session.js';
import { mayDeleteOrganisation, mayEditOrganisations } from '../../access/policy/organisations.js';
import { documented } from '../openapi.js';
import { Organisations } from '../schemas/answers.js';
import { ORGANISATION_BODY } from '../schemas/bodies.js';
import type { ApiContext } from '../context.js';

/** An organisation as MISP answers it. */
export function organisationDocument(o: Organisation) {
  return {
    Organisation: {
      id: String(o.id), name: o.name, uuid: o.uuid, local: o.local, description: o.description, type: o.type,
      nationality: o.nationality, sector: o.sector, contacts: o.contacts, date_created: sqlDatetime(o.created),
      date_modified: sqlDatetime(o.created), created_by: '0', restricted_to_domain: [], landingpage: null,
    },
  };
}

function fieldsOf(body: Fields): OrganisationFields {
  const out: OrganisationFields = {};
  for (const k of ['name', 'description', 'type', 'nationality', 'sector', 'contacts'] as const) {
    const v = textField(body, k);
    if (v !== undefined) out[k] = v;
  }
  const local = flagField(body, 'local');
  if (local !== undefined) out.local = local;
  return out;
}

const failed = (field: string, reason: string) => new ApiError(403, 'The organisation could not be saved.', { errors: { [field]: [reason] } });

export async function organisationRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store } = ctx;
  documented(app, 'Organisations', {
    'GET /organisations': { summary: "This instance's organisations", response: Organisations },
    'GET /organisations/index': { summary: "This instance's organisations; scope (local, external or all) and searchall, also as MISP's /scope:all/searchall:TEXT", response: Organisations },
    'GET /organisations/view/:id': { summary: 'One organisation by id, uuid or name' },
    'POST /admin/organisations/add': { summary: 'Add an organisation (site admins)', body: ORGANISATION_BODY },
    'POST /admin/organisations/edit/:id': { summary: 'Change an organisation (site admins)', body: ORGANISATION_BODY },
    'POST /admin/organisations/delete/:id': { summary: 'Delete an organisation that has no users, events or sharing groups (site admins)' },
    'DELETE /admin/organisations/delete/:id': { summary: 'Delete an organisation (as POST)' },
  });
  const byRef = async (text: string) => {
    const t = text.trim();
    const o = /^\d+$/.test(t) ? await findOrganisationById(store, Number(t)) : await findOrganisation(store, t);
    if (!o) throw notFound('organisation');
    return o;
  };

  // Every user may list the organisations (MISP's default); `scope:local` (the default) keeps to this instance's own.
  // MISP's named parameters (`/organisations/index/scope:all/searchall:cert`) arrive as the query string (named-params.ts).
  const index = async (request: FastifyRequest<{ Querystring: { scope?: unknown; searchall?: unknown } }>) => {
    userOf(request);
    const args = { scope: typeof request.query.scope === 'string' ? request.query.scope : undefined, searchall: typeof request.query.searchall === 'string' ? request.query.searchall : undefined };
    const scope = args.scope ?? 'local';
    if (!['local', 'external', 'all'].includes(scope)) throw new ApiError(400, `scope must be local, external or all, not "${scope}"`);
    const search = args.searchall?.toLowerCase();
    return (await listOrganisations(store))
      .filter((o) => scope === 'all' || o.local === (scope === 'local'))
      .filter((o) => !search || o.name.toLowerCase().includes(search) || o.uuid === search)
      .map(organisationDocument);
  };
  app.get('/organisations', index);
  app.get('/organisations/index', index);

  app.get<{ Params: { id: string } }>('/organisations/view/:id', async (request) => {
    userOf(request);
    return organisationDocument(await byRef(request.params.id));
  });

  app.post('/admin/organisations/add', async (request) => {
    refuseUnless(mayEditOrganisations(userOf(request)), lacking('perm_site_admin'));
    const body = modelBody(request.body, 'Organisation', 'The organisation could not be saved.');
    const fields = fieldsOf(body);
    if (!fields.name) throw failed('name', 'an organisation needs a name');
    if (await findOrganisation(store, fields.name)) throw failed('name', `an organisation named "${fields.name}" exists already`);
    const uuid = textField(body, 'uuid')?.toLowerCase();
    if (uuid !== undefined && !isUuid(uuid)) throw failed('uuid', 'not a uuid');
    if (uuid && (await findOrganisation(store, uuid))) throw failed('uuid', 'an organisation holds this uuid already');
    const made = await addOrganisation(store, fields.name, uuid, fields);
    // An organisation made here is local unless the request says it is known from elsewhere.
    return organisationDocument(fields.local === false ? ((await editOrganisation(store, made.id, { local: false })) as { organisation: Organisation }).organisation : made);
  });

  app.post<{ Params: { id: string } }>('/admin/organisations/edit/:id', async (request) => {
    refuseUnless(mayEditOrganisations(userOf(request)), lacking('perm_site_admin'));
    const o = await byRef(request.params.id);
    const changed = await editOrganisation(store, o.id, fieldsOf(modelBody(request.body, 'Organisation', 'The organisation could not be saved.')));
    if (!changed.ok) throw failed(changed.field, changed.reason);
    return organisationDocument(changed.organisation);
  });

  const remove = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const user = userOf(request);
    refuseUnless(mayEditOrganisations(user), lacking('perm_site_admin'));
    const o = await byRef(request.params.id);
    refuseUnless(mayDeleteOrganisation(user, o), 'You cannot delete your own organisation.');
    const uses = await organisationInUse(store, o.id);
    if (uses.length > 0) throw new ApiError(403, `The organisation could not be deleted: ${uses.join(', ')} still belong to it.`);
    await deleteOrganisation(store, o.id);
    return saved('Organisation deleted', request.url.split('?')[0] ?? '', o.id);
  };
  app.post('/admin/organisations/delete/:id', remove);
  app.delete('/admin/organisations/delete/:id', remove);
}
