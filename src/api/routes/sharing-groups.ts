import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isUuid, parseItemRef } from '../../model/event.js';
import {
  addSharingGroup, deleteSharingGroup, editSharingGroup, findSharingGroup, listSharingGroups, removeSharingGroupOrg,
  setSharingGroupAllLocalOrgs, setSharingGroupOrg, setSharingGroupServer, sharingGroupUses, type SharingGroup,
} from '../../store/access/sharing-groups.js';
import { findOrganisation, findOrganisationById } from '../../store/access/organisations.js';
import type { User } from '../../store/access/users.js';
import { flagField, idField, modelBody, saved, sqlDatetime, textField, type Fields } from '../body.js';
import { ApiError, notFound } from '../errors.js';
import { lacking, refuseUnless, userOf } from '../session.js';
import { mayDeleteSharingGroup, mayEditSharingGroup, mayMakeSharingGroups, sharingGroupFacts } from '../../access/policy/sharing-groups.js';
import { viewerOf } from '../../access/viewer.js';
import { documented } from '../openapi.js';
import { SharingGroups } from '../schemas/answers.js';
import { SHARING_GROUP_BODY } from '../schemas/bodies.js';
import type { ApiContext } from '../context.js';
import { findServer } from '../../store/servers.js';

const org = (o: SharingGroup['org']) => ({ id: String(o.id), uuid: o.uuid, name: o.name, local: o.local });

/** A sharing group as MISP answers it, with its organisations and instances. */
export function sharingGroupDocument(g: SharingGroup, user?: User) {
  return {
    SharingGroup: {
      id: String(g.id), uuid: g.uuid, name: g.name, description: g.description, releasability: g.releasability,
      local: g.local, active: g.active, roaming: g.roaming, org_id: String(g.org.id), organisation_uuid: g.org.uuid,
      sync_user_id: '0', created: sqlDatetime(g.created), modified: sqlDatetime(g.modified), org_count: String(g.organisations.length),
    },
    Organisation: org(g.org),
    SharingGroupOrg: g.organisations.map((m) => ({ sharing_group_id: String(g.id), org_id: String(m.org.id), extend: m.extend, Organisation: org(m.org) })),
    SharingGroupServer: g.servers.map((s) => ({
      sharing_group_id: String(g.id), server_id: String(s.serverId), all_orgs: s.allOrgs,
      Server: s.serverId === 0 ? { id: '0', name: 'Local instance', url: '' } : { id: String(s.serverId) },
    })),
    ...(user ? { editable: mayEdit(user, g), deletable: mayDelete(user, g) } : {}),
  };
}

const mayEdit = (user: User, g: SharingGroup) => mayEditSharingGroup(user, sharingGroupFacts(g));
const mayDelete = (user: User, g: SharingGroup) => mayDeleteSharingGroup(user, sharingGroupFacts(g));


function groupInput(fields: Fields) {
  const out: { name?: string; description?: string; releasability?: string; active?: boolean; roaming?: boolean } = {};
  for (const k of ['name', 'description', 'releasability'] as const) {
    const v = textField(fields, k);
    if (v !== undefined) out[k] = v;
  }
  for (const k of ['active', 'roaming'] as const) {
    const v = flagField(fields, k);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

const failed = (field: string, reason: string) => new ApiError(403, 'Could not save sharing group.', { errors: { [field]: [reason] } });

export async function sharingGroupRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store } = ctx;
  documented(app, 'Sharing groups', Object.fromEntries(['/sharing_groups', '/sharingGroups'].flatMap((b) => [
    [`GET ${b}`, { summary: 'The sharing groups your organisation is in or made', response: SharingGroups }],
    [`GET ${b}/index`, { summary: 'The sharing groups your organisation is in or made', response: SharingGroups }],
    [`GET ${b}/view/:id`, { summary: 'One sharing group by id or uuid, with its organisations' }],
    [`POST ${b}/add`, { summary: 'Make a sharing group (perm_sharing_group); your organisation owns it, and is a member once added (as in MISP)', body: SHARING_GROUP_BODY }],
    [`POST ${b}/edit/:id`, { summary: 'Change a sharing group', body: SHARING_GROUP_BODY }],
    [`POST ${b}/delete/:id`, { summary: 'Delete a sharing group nothing is shared with' }],
    [`DELETE ${b}/delete/:id`, { summary: 'Delete a sharing group nothing is shared with' }],
    [`POST ${b}/addOrg`, { summary: 'Add an organisation: {"sg_id", "org_id", "extend"}' }],
    [`POST ${b}/addOrg/:sg/:org`, { summary: 'Add an organisation to a sharing group' }],
    [`POST ${b}/removeOrg`, { summary: 'Remove an organisation: {"sg_id", "org_id"}' }],
    [`POST ${b}/removeOrg/:sg/:org`, { summary: 'Remove an organisation from a sharing group' }],
    [`POST ${b}/addServer`, { summary: 'Add this instance (server 0); with all_orgs every local organisation is a member' }],
    [`POST ${b}/addServer/:sg/:server`, { summary: 'Add this instance (server 0) to a sharing group' }],
    [`POST ${b}/removeServer`, { summary: "Remove this instance's all_orgs membership" }],
    [`POST ${b}/removeServer/:sg/:server`, { summary: "Remove this instance's all_orgs membership" }],
  ])));
  /** The group the address or body names, as the user may see it; 404 otherwise. */
  const visibleGroup = async (user: User, text: string | number | undefined) => {
    const ref = text === undefined ? undefined : parseItemRef(text);
    const g = ref && (await findSharingGroup(store, viewerOf(user), ref));
    if (!g) throw notFound('sharing group');
    return g;
  };

  const index = async (request: FastifyRequest) => {
    const user = userOf(request);
    return { response: (await listSharingGroups(store, viewerOf(user))).map((g) => sharingGroupDocument(g, user)) };
  };
  const view = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const user = userOf(request);
    return sharingGroupDocument(await visibleGroup(user, request.params.id), user);
  };
  const add = async (request: FastifyRequest) => {
    const user = userOf(request);
    refuseUnless(mayMakeSharingGroups(user), lacking('perm_sharing_group'));
    const fields = modelBody(request.body, 'SharingGroup', 'Could not save sharing group.');
    const input = groupInput(fields);
    if (!input.name) throw failed('name', 'a sharing group needs a name');
    const uuid = textField(fields, 'uuid');
    if (uuid !== undefined && !isUuid(uuid.toLowerCase())) throw failed('uuid', 'not a uuid');
    const made = await addSharingGroup(store, { ...input, name: input.name, ...(uuid ? { uuid } : {}) }, user.org.id);
    if (!made.ok) throw failed(made.field, made.reason);
    return sharingGroupDocument(made.group, user);
  };
  const edit = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const user = userOf(request);
    const g = await visibleGroup(user, request.params.id);
    if (!mayEdit(user, g)) throw new ApiError(403, 'You may not edit this sharing group.');
    const changed = await editSharingGroup(store, g.id, groupInput(modelBody(request.body, 'SharingGroup', 'Could not save sharing group.')));
    if (!changed.ok) throw failed(changed.field, changed.reason);
    return sharingGroupDocument(changed.group, user);
  };
  const remove = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const user = userOf(request);
    const g = await visibleGroup(user, request.params.id);
    if (!mayDelete(user, g)) throw new ApiError(405, 'Action not allowed.');
    const uses = await sharingGroupUses(store, g.id);
    // Deleting a group in use would leave its items shared with nobody: say so instead.
    if (uses > 0) throw new ApiError(403, `The sharing group could not be deleted: ${uses} events, attributes, objects or reports are shared with it.`);
    await deleteSharingGroup(store, g.id);
    return saved('SharingGroup deleted', request.url.split('?')[0] ?? '', g.id);
  };

  for (const base of ['/sharing_groups', '/sharingGroups']) {
    app.get(`${base}`, index);
    app.get(`${base}/index`, index);
    app.get(`${base}/view/:id`, view);
    app.post(`${base}/add`, add);
    app.post(`${base}/edit/:id`, edit);
    app.post(`${base}/delete/:id`, remove);
    app.delete(`${base}/delete/:id`, remove);

    // Membership: ids in the address, or sg_id/org_id (or uuids) in the body, as PyMISP sends them.
    const member = (adding: boolean) => async (request: FastifyRequest<{ Params: { sg?: string; org?: string } }>) => {
      const user = userOf(request);
      const body = (request.body ?? {}) as Fields;
      const g = await visibleGroup(user, request.params.sg ?? textField(body, 'sg_id') ?? textField(body, 'sg_uuid') ?? textField(body, 'uuid'));
      if (!mayEdit(user, g)) throw new ApiError(405, 'Invalid sharing group or no editing rights.');
      const orgText = request.params.org ?? textField(body, 'org_id') ?? textField(body, 'org_uuid') ?? textField(body, 'org_name');
      const o = orgText === undefined ? undefined : /^\d+$/.test(orgText) ? await findOrganisationById(store, Number(orgText)) : await findOrganisation(store, orgText);
      if (!o) throw new ApiError(405, 'Invalid organisation.');
      const url = request.url.split('?')[0] ?? '';
      if (adding) {
        if (g.organisations.some((m) => m.org.id === o.id)) throw new ApiError(403, 'Organisation is already in the sharing group.');
        await setSharingGroupOrg(store, g.id, o.id, flagField(body, 'extend') ?? false);
        return saved('Organisation added to the sharing group.', url);
      }
      if (!(await removeSharingGroupOrg(store, g.id, o.id))) throw new ApiError(403, 'Organisation is not in the sharing group.');
      return saved('Organisation removed from the sharing group.', url);
    };
    app.post(`${base}/addOrg`, member(true));
    app.post(`${base}/addOrg/:sg/:org`, member(true));
    app.post(`${base}/removeOrg`, member(false));
    app.post(`${base}/removeOrg/:sg/:org`, member(false));

    // Server 0 is this instance: adding it with all_orgs opens the group to every local organisation; another is a remote server (a push of the group's events needs it listed).
    const server = (adding: boolean) => async (request: FastifyRequest<{ Params: { sg?: string; server?: string } }>) => {
      const user = userOf(request);
      const body = (request.body ?? {}) as Fields;
      const g = await visibleGroup(user, request.params.sg ?? textField(body, 'sg_id') ?? textField(body, 'sg_uuid'));
      if (!mayEdit(user, g)) throw new ApiError(405, 'Invalid sharing group or no editing rights.');
      const serverId = request.params.server !== undefined ? Number(request.params.server) : idField(body, 'server_id');
      const allOrgs = adding && (flagField(body, 'all_orgs') ?? flagField(body, 'all') ?? false);
      if (serverId === 0) await setSharingGroupAllLocalOrgs(store, g.id, allOrgs);
      else if (serverId !== undefined && Number.isSafeInteger(serverId) && (await findServer(store, serverId))) await setSharingGroupServer(store, g.id, serverId, adding, allOrgs);
      else throw new ApiError(405, 'Invalid Server.');
      return saved(adding ? 'Server added to the sharing group.' : 'Server removed from the sharing group.', request.url.split('?')[0] ?? '');
    };
    app.post(`${base}/addServer`, server(true));
    app.post(`${base}/addServer/:sg/:server`, server(true));
    app.post(`${base}/removeServer`, server(false));
    app.post(`${base}/removeServer/:sg/:server`, server(false));
  }
}
