import type { FastifyInstance, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { ApiError } from '../errors.js';
import { lacking, refuseUnless, userOf } from '../session.js';
import { documented } from '../openapi.js';
import type { ApiContext } from '../context.js';
import { viewerOf } from '../../access/viewer.js';
import { mayPropose } from '../../access/policy/events.js';
import { parseEventRef } from '../../store/events/reader.js';
import { eventOwnership } from '../../store/events/ownership.js';
import { attributeByRef } from '../../services/search/attribute-ref.js';
import { acceptProposal, discardProposal, proposalDocument } from '../../services/events/proposals.js';
import { insertProposal, listProposals, proposalById, type NewProposal, type Proposal, type ProposalFilters } from '../../store/proposals.js';
import { parseMispEvent } from '../../formats/misp-json/parse.js';
import { describeProblem } from '../../model/problems.js';
import { isUuid } from '../../model/event.js';
import type { AttributeHit } from '../../store/search/attributes.js';
import type { User } from '../../store/access/users.js';
import { PROPOSAL_BODY } from '../schemas/bodies.js';
import { ProposalDecided, ProposalIndex, ProposalSaved, ProposalToDelete, ProposalView } from '../schemas/answers-proposals.js';

/*
 * Proposals (MISP's shadow attributes): a user offers a new attribute, a change or a deletion to an
 * event he may see; the event's organisation accepts it (then it is written as any attribute change)
 * or discards it. Only the proposing organisation and the event's see a proposal (store/visibility.ts).
 * MISP spells the controller shadow_attributes and shadowAttributes (PyMISP): both are served.
 */

type Fields = Record<string, unknown>;

/** The proposal in a body: MISP takes it bare, or wrapped in `request`, ShadowAttribute, Attribute or Proposal. */
function proposalFields(body: unknown): Fields {
  let b = (body && typeof body === 'object' && !Array.isArray(body) ? body : {}) as Fields;
  if (b.request && typeof b.request === 'object') b = b.request as Fields;
  for (const wrapper of ['ShadowAttribute', 'Attribute', 'Proposal']) {
    const inner = b[wrapper];
    if (inner && typeof inner === 'object' && !Array.isArray(inner)) return inner as Fields;
  }
  return b;
}

/** MISP's refusal of a proposal it cannot save: each field at fault, in its words. */
function notSaved(problems: Record<string, string>, status = 404): ApiError {
  const text = Object.entries(problems).map(([k, v]) => `[${k}]: ${v}\n`).join('');
  return new ApiError(status, `Could not save the proposal. Errors: ${text}`, { errors: Object.fromEntries(Object.entries(problems).map(([k, v]) => [k, [v]])) });
}

const PROPOSED = ['category', 'type', 'value', 'to_ids', 'comment', 'first_seen', 'last_seen'] as const;

/**
 * The proposed attribute checked and normalised as any attribute is (type, category, value), through
 * the parser every attribute write takes; the fields of the proposal table.
 */
function checked(fields: Fields, uuid: string): Pick<NewProposal, 'type' | 'category' | 'value' | 'to_ids' | 'comment' | 'first_seen' | 'last_seen'> {
  if (fields.type === undefined || fields.type === null || fields.type === '') throw notSaved({ type: 'No value provided.' });
  const item: Fields = { uuid, distribution: '5' };
  for (const k of PROPOSED) if (fields[k] !== undefined && fields[k] !== null && fields[k] !== '') item[k] = fields[k];
  const parsed = parseMispEvent({ Event: { uuid: randomUUID(), info: 'proposal', date: '2000-01-01', Attribute: [item] } }, {});
  const a = parsed.event?.attributes[0];
  const problems = parsed.problems.filter((p) => p.item === null || p.item === uuid);
  if (!a || problems.length > 0) throw notSaved(Object.fromEntries(problems.map((p) => [p.field, describeProblem(p)])));
  return { type: a.type, category: a.category, value: a.value, to_ids: a.to_ids ? 1 : 0, comment: a.comment, first_seen: a.first_seen, last_seen: a.last_seen };
}

const common = (p: Proposal) => ({
  id: String(p.id), old_id: String(p.oldId), event_id: String(p.eventId), type: p.type, category: p.category, value: p.value, comment: p.comment,
  to_ids: p.toIds, uuid: p.uuid, first_seen: p.firstSeen, last_seen: p.lastSeen,
});

/** add and edit answer the proposal as stored. */
const saved = (p: Proposal): ProposalSaved => ({
  ShadowAttribute: { ...common(p), event_org_id: String(p.eventOrgcId), email: p.email, deleted: p.deleted, timestamp: String(p.timestamp) },
});

const positive = (v: unknown): number | undefined => {
  const n = Number(v);
  return typeof v === 'string' && /^[0-9]+$/.test(v) && n > 0 ? n : undefined;
};

export async function proposalRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store, writes } = ctx;
  const routes: Record<string, { summary: string; body?: object; response?: object }> = {};
  for (const base of ['/shadow_attributes', '/shadowAttributes']) {
    Object.assign(routes, {
      [`POST ${base}/add/:event`]: { summary: 'Propose a new attribute to an event you may see', body: PROPOSAL_BODY, response: ProposalSaved },
      [`POST ${base}/edit/:attribute`]: { summary: 'Propose a change to an attribute (the fields given)', body: PROPOSAL_BODY, response: ProposalSaved },
      [`POST ${base}/delete/:attribute`]: { summary: 'Propose deleting an attribute', response: ProposalToDelete },
      [`GET ${base}/view/:id`]: { summary: 'One proposal (of your organisation, or to its events)', response: ProposalView },
      [`GET ${base}/index`]: { summary: 'The proposals you may see; filters all, searchall, deleted, timestamp, limit, page, sort, direction', response: ProposalIndex },
      [`GET ${base}/index/:event`]: { summary: 'The proposals to one event', response: ProposalIndex },
      [`POST ${base}/accept/:id`]: { summary: "Accept a proposal to your organisation's event: it is applied as an attribute change", response: ProposalDecided },
      [`POST ${base}/discard/:id`]: { summary: 'Discard a proposal (the event\'s organisation, or its proposer)', response: ProposalDecided },
    });
  }
  documented(app, 'Proposals', routes);

  /** The attribute a proposal is about: one the user may see, by id or uuid. */
  const attributeFor = async (user: User, ref: string): Promise<AttributeHit | undefined> => attributeByRef(store, viewerOf(user), ref);
  /** The proposal just stored, read back as the user sees it. */
  const reread = async (user: User, id: number): Promise<Proposal> => (await proposalById(store, viewerOf(user), { id }, true))!;

  /** MISP's beforeFilter: `?uuid=` names the proposal instead of the id in the address. */
  const proposalOf = async (request: FastifyRequest<{ Params: { id: string }; Querystring: { uuid?: string } }>, includeDeleted = false) => {
    const viewer = viewerOf(userOf(request));
    const uuid = request.query.uuid;
    if (typeof uuid === 'string' && uuid !== '') return proposalById(store, viewer, { uuid }, includeDeleted);
    const id = positive(request.params.id);
    return id === undefined ? undefined : proposalById(store, viewer, { id }, includeDeleted);
  };

  for (const base of ['/shadow_attributes', '/shadowAttributes']) {
    app.post<{ Params: { event: string } }>(`${base}/add/:event`, async (request) => {
      const user = userOf(request);
      refuseUnless(mayPropose(user), lacking('perm_add'));
      const ref = parseEventRef(request.params.event);
      const event = ref && (await eventOwnership(store, viewerOf(user), ref));
      if (!event) throw new ApiError(404, 'Invalid Event');
      const fields = proposalFields(request.body);
      const given = fields.uuid === undefined || fields.uuid === null || fields.uuid === '' ? undefined : String(fields.uuid).toLowerCase();
      if (given !== undefined && !isUuid(given)) throw notSaved({ uuid: 'Please provide a valid RFC 4122 UUID' });
      const uuid = given ?? randomUUID();
      const id = await insertProposal(store, {
        ...checked(fields, uuid), uuid, event_id: event.id, old_id: 0, org_id: user.org.id, email: user.email,
        disable_correlation: 0, proposal_to_delete: 0, deleted: 0, timestamp: Math.floor(Date.now() / 1000),
      });
      return saved(await reread(user, id));
    });

    app.post<{ Params: { attribute: string } }>(`${base}/edit/:attribute`, async (request) => {
      const user = userOf(request);
      refuseUnless(mayPropose(user), lacking('perm_add'));
      const hit = await attributeFor(user, request.params.attribute);
      if (!hit) throw new ApiError(404, 'Invalid Attribute.');
      const given = proposalFields(request.body);
      // An attribute of an object keeps its type (its object template says it).
      const changeable = PROPOSED.filter((k) => !(k === 'type' && hit.objectId !== null));
      if (!changeable.some((k) => given[k] !== undefined && given[k] !== null)) throw new ApiError(405, 'Invalid input.');
      const current: Fields = { category: hit.category, type: hit.type, value: hit.value, to_ids: hit.to_ids, comment: hit.comment, first_seen: hit.firstSeen, last_seen: hit.lastSeen };
      for (const k of changeable) if (given[k] !== undefined && given[k] !== null) current[k] = given[k];
      let fields;
      try {
        fields = checked(current, hit.uuid);
      } catch (e) {
        // MISP answers a proposed edit it cannot save with an internal error (500), not the 404 of add.
        throw e instanceof ApiError ? new ApiError(500, e.message, e.details) : e;
      }
      const id = await insertProposal(store, {
        ...fields, uuid: hit.uuid, event_id: hit.eventId, old_id: hit.id, org_id: user.org.id, email: user.email,
        disable_correlation: hit.disableCorrelation ? 1 : 0, proposal_to_delete: 0, deleted: 0, timestamp: Math.floor(Date.now() / 1000),
      });
      return saved(await reread(user, id));
    });

    // MISP answers this one 200 either way, with `saved` or `false` and `errors`.
    app.post<{ Params: { attribute: string } }>(`${base}/delete/:attribute`, async (request) => {
      const user = userOf(request);
      refuseUnless(mayPropose(user), lacking('perm_add'));
      const hit = await attributeFor(user, request.params.attribute);
      if (!hit) return { false: true, errors: 'Invalid Attribute.' };
      await insertProposal(store, {
        uuid: hit.uuid, event_id: hit.eventId, old_id: hit.id, org_id: user.org.id, email: user.email, type: hit.type, category: hit.category,
        value: hit.value, to_ids: hit.to_ids ? 1 : 0, comment: hit.comment, first_seen: hit.firstSeen, last_seen: hit.lastSeen,
        disable_correlation: hit.disableCorrelation ? 1 : 0, proposal_to_delete: 1, deleted: 0, timestamp: Math.floor(Date.now() / 1000),
      });
      return { saved: true, success: 'The proposal to delete the attribute has been saved' };
    });

    app.get<{ Params: { id: string }; Querystring: { uuid?: string } }>(`${base}/view/:id`, async (request) => {
      const p = await proposalOf(request);
      if (!p) throw new ApiError(404, 'Invalid proposal.');
      return { ShadowAttribute: { ...common(p), org_id: String(p.orgId) } };
    });

    const index = async (request: FastifyRequest<{ Params: { event?: string }; Querystring: Record<string, string | undefined> }>) => {
      const user = userOf(request);
      const q = request.query;
      const filters: ProposalFilters = {};
      if (request.params.event !== undefined && request.params.event !== '') {
        const ref = parseEventRef(request.params.event);
        const event = ref && (await eventOwnership(store, viewerOf(user), ref));
        if (!event) throw new ApiError(404, 'Invalid event.');
        filters.eventId = event.id;
      }
      if (q.all !== undefined && ['0', 'false', ''].includes(q.all)) filters.eventOrgcId = user.org.id;
      // deleted[]:0/deleted[]:1 (a syncing instance's form) asks for both: no filter.
      const deleted = (Array.isArray(q.deleted) ? q.deleted : q.deleted === undefined ? [] : [q.deleted]).map((d) => ['1', 'true'].includes(String(d)));
      if (deleted.length > 0 && !(deleted.includes(true) && deleted.includes(false))) filters.deleted = deleted[0]!;
      if (q.timestamp) filters.since = positive(q.timestamp) ?? 0;
      if (q.searchall) filters.searchall = q.searchall.trim();
      filters.limit = positive(q.limit);
      filters.page = positive(q.page);
      if (q.sort) {
        filters.sort = q.sort;
        filters.descending = q.direction?.trim().toLowerCase() === 'desc';
      }
      const list = await listProposals(store, viewerOf(user), filters);
      return list.map((p) => ({ ShadowAttribute: proposalDocument(p) }));
    };
    app.get(`${base}/index`, index);
    app.get(`${base}/index/:event`, index);

    app.post<{ Params: { id: string }; Querystring: { uuid?: string } }>(`${base}/accept/:id`, async (request) => {
      const user = userOf(request);
      const p = await proposalOf(request);
      if (!p) throw new ApiError(405, 'Proposal not found or you are not authorised to accept it.');
      const message = await acceptProposal(store, writes, user, p);
      return { name: message, message, url: `${base}/accept/${request.params.id}` };
    });

    app.post<{ Params: { id: string }; Querystring: { uuid?: string } }>(`${base}/discard/:id`, async (request) => {
      const user = userOf(request);
      const p = await proposalOf(request);
      // MISP answers every failure to discard alike, as an internal error.
      if (!p || !(await discardProposal(store, user, p))) throw new ApiError(500, 'Could not discard proposal.');
      return { name: 'Proposal discarded.', message: 'Proposal discarded.', url: `${base}/discard/${request.params.id}` };
    });
  }
}
