import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  addToBlocklist, editBlocklistEntry, findBlocklistEntry, listBlocklist, removeFromBlocklist,
  type BlocklistEntry, type BlocklistFields, type BlocklistKind,
} from '../../store/blocklists.js';
import { hostOrganisationId } from '../../store/access/organisations.js';
import type { User } from '../../store/access/users.js';
import { mayManageEventBlocklist, mayManageOrgBlocklist } from '../../access/policy/blocklists.js';
import { modelBody, saved, sqlDatetime, textField, type Fields } from '../body.js';
import { ApiError } from '../errors.js';
import { lacking, refuseUnless, userOf } from '../session.js';
import { documented } from '../openapi.js';
import { BLOCKLIST_MASS_DELETE, EVENT_BLOCKLIST_BODY, ORG_BLOCKLIST_BODY } from '../schemas/bodies.js';
import type { ApiContext } from '../context.js';

/** How each list is named in MISP's URLs and documents, and which fields its entries carry. */
const LISTS = {
  event: { path: 'eventBlocklists', model: 'EventBlocklist', uuid: 'event_uuid', label: 'event_info' },
  org: { path: 'orgBlocklists', model: 'OrgBlocklist', uuid: 'org_uuid', label: 'org_name' },
} as const;

function entryDocument(kind: BlocklistKind, e: BlocklistEntry): Record<string, string> {
  const l = LISTS[kind];
  return {
    id: String(e.id), [l.uuid]: e.uuid, created: sqlDatetime(e.created), [l.label]: e.label, comment: e.comment,
    ...(kind === 'event' ? { event_orgc: e.orgc } : {}),
  };
}

function fieldsOf(kind: BlocklistKind, raw: Fields): BlocklistFields {
  const label = textField(raw, LISTS[kind].label);
  const orgc = kind === 'event' ? textField(raw, 'event_orgc') : undefined;
  const comment = textField(raw, 'comment');
  return { ...(label !== undefined ? { label } : {}), ...(orgc !== undefined ? { orgc } : {}), ...(comment !== undefined ? { comment } : {}) };
}

/** The uuids of an add: a list, or a text with one a line (MISP's form). */
function uuidsOf(raw: Fields): string[] {
  const v = raw.uuids;
  const list = Array.isArray(v) ? v : typeof v === 'string' ? v.split(/\r?\n/) : v === undefined || v === null ? [] : [v];
  const uuids = list.map((u) => String(u).trim()).filter(Boolean);
  if (uuids.length === 0) throw new ApiError(403, 'Pass a list of uuids via the "uuids" key in the request object.');
  return uuids;
}

/**
 * MISP's event and organisation blocklists. What they refuse is the import pipeline's to enforce
 * (services/import/pipeline.ts), for every way an event comes in; here they are kept.
 */
export async function blocklistRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store } = ctx;
  documented(app, 'Blocklists', {
    'GET /eventBlocklists/index': { summary: 'The event uuids never imported (the host organisation\'s users with perm_add, site admins)' },
    'POST /eventBlocklists/add': { summary: 'Block event uuids: no path imports them any more', body: EVENT_BLOCKLIST_BODY },
    'POST /eventBlocklists/edit/:id': { summary: 'Change an entry\'s comment or reminders (by id or event uuid)', body: EVENT_BLOCKLIST_BODY },
    'POST /eventBlocklists/delete/:id': { summary: 'Unblock an event uuid (entry id or the uuid)' },
    'DELETE /eventBlocklists/delete/:id': { summary: 'Unblock an event uuid (as POST)' },
    'POST /eventBlocklists/massDelete': { summary: 'Unblock several entries by id', body: BLOCKLIST_MASS_DELETE },
    'GET /orgBlocklists/index': { summary: 'The organisations whose events are never imported (site admins)' },
    'POST /orgBlocklists/add': { summary: 'Block organisations: no event they created is imported any more', body: ORG_BLOCKLIST_BODY },
    'POST /orgBlocklists/edit/:id': { summary: 'Change an entry\'s comment or name (by id or organisation uuid)', body: ORG_BLOCKLIST_BODY },
    'POST /orgBlocklists/delete/:id': { summary: 'Unblock an organisation (entry id or its uuid)' },
    'DELETE /orgBlocklists/delete/:id': { summary: 'Unblock an organisation (as POST)' },
  });

  /** Refuses unless the user may keep that list; the refusal tells nothing of the list's content. */
  const allowed = async (kind: BlocklistKind, user: User) => {
    if (kind === 'org') refuseUnless(mayManageOrgBlocklist(user), lacking('perm_site_admin'));
    else refuseUnless(mayManageEventBlocklist(user, await hostOrganisationId(store)), lacking('perm_add'));
  };
  const entry = async (kind: BlocklistKind, ref: string, missing: string) => {
    const e = await findBlocklistEntry(store, kind, ref);
    if (!e) throw new ApiError(404, missing);
    return e;
  };

  for (const kind of ['event', 'org'] as const) {
    const { path, model, uuid, label } = LISTS[kind];
    app.get<{ Querystring: Record<string, string | undefined> }>(`/${path}/index`, async (request) => {
      await allowed(kind, userOf(request));
      // MISP's filters: a field's exact value, or searchall matching any field exactly.
      const q = request.query;
      const fields = [uuid, label, 'comment', ...(kind === 'event' ? ['event_orgc'] : [])];
      return (await listBlocklist(store, kind)).map((e) => entryDocument(kind, e)).filter((d) =>
        fields.every((f) => !q[f] || d[f] === q[f]) && (!q.searchall || fields.some((f) => d[f] === q.searchall)));
    });
    app.post(`/${path}/add`, async (request) => {
      await allowed(kind, userOf(request));
      const raw = modelBody(request.body, model, 'Could not save the blocklist item.');
      const result = await addToBlocklist(store, kind, uuidsOf(raw), fieldsOf(kind, raw));
      const message = `Done. Added ${result.successes.length} new entries to the blocklist. ${result.fails.length} entries could not be saved.`;
      return { result, message };
    });
    app.post<{ Params: { id: string } }>(`/${path}/edit/:id`, async (request) => {
      await allowed(kind, userOf(request));
      const e = await entry(kind, request.params.id, 'Blocklist item not found.');
      await editBlocklistEntry(store, kind, e.id, fieldsOf(kind, modelBody(request.body, model, 'Could not save the blocklist item.')));
      return { [model]: entryDocument(kind, (await findBlocklistEntry(store, kind, String(e.id)))!) };
    });
    const remove = async (request: FastifyRequest<{ Params: { id: string } }>) => {
      await allowed(kind, userOf(request));
      const e = await entry(kind, request.params.id, 'Invalid blocklist entry');
      await removeFromBlocklist(store, kind, [e.id]);
      return saved('Blocklist entry removed', request.url.split('?')[0] ?? '', request.params.id);
    };
    app.post(`/${path}/delete/:id`, remove);
    app.delete(`/${path}/delete/:id`, remove);
  }

  // MISP takes the ids as a JSON text (its form posts one); a list is taken too.
  app.post('/eventBlocklists/massDelete', async (request) => {
    await allowed('event', userOf(request));
    const raw = modelBody(request.body, 'EventBlocklist', 'Invalid event IDs.');
    let ids: unknown = raw.ids;
    if (typeof ids === 'string') {
      try {
        ids = JSON.parse(ids);
      } catch {
        ids = undefined;
      }
    }
    const list = (Array.isArray(ids) ? ids : ids === undefined || ids === null ? [] : [ids]).map(Number).filter((n) => Number.isInteger(n) && n > 0);
    if (list.length === 0) throw new ApiError(404, 'Invalid event IDs.');
    const removed = await removeFromBlocklist(store, 'event', list);
    return saved(`${removed} blocklist entries removed`, request.url.split('?')[0] ?? '', JSON.stringify(list));
  });
}
