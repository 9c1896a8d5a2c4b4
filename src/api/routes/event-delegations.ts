import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  mayAcceptDelegation, mayAnswerDelegationsRole, mayDelegateEvent, mayDelegateRole, mayDiscardDelegation, maySeeDelegation,
} from '../../access/policy/delegations.js';
import type { User } from '../../access/user.js';
import { viewerOf } from '../../access/viewer.js';
import { isUuid } from '../../model/event.js';
import { findOrganisation, findOrganisationById } from '../../store/access/organisations.js';
import { findSharingGroup } from '../../store/access/sharing-groups.js';
import {
  addDelegation, deleteDelegation, eventHasDelegation, findDelegation, listDelegations, transferDelegatedEvent, type Delegation,
} from '../../store/events/delegations.js';
import { eventOwnership } from '../../store/events/ownership.js';
import { parseEventRef } from '../../store/events/reader.js';
import { UNPUBLISHED_PRIVATE_SETTING } from '../../store/visibility.js';
import { modelBody, saved, textField, type Fields } from '../body.js';
import type { ApiContext } from '../context.js';
import { ApiError } from '../errors.js';
import { documented } from '../openapi.js';
import { EventDelegationMade, EventDelegations, EventDelegationView } from '../schemas/answers.js';
import { DELEGATION_BODY } from '../schemas/bodies.js';
import { lacking, refuseUnless, userOf } from '../session.js';

type IdRequest = FastifyRequest<{ Params: { id: string } }>;

/** MISP answers every refusal about a delegation, and a delegation or event it will not name, with this (405). */
const NOT_AUTHORISED = 'You are not authorised to do that.';
const refused = () => new ApiError(405, NOT_AUTHORISED);

const DISTRIBUTION_LEVELS = ['Your organisation only', 'This community only', 'Connected communities', 'All communities', 'Sharing group'];

const orgDoc = (o: Delegation['org']) => ({ id: String(o.id), name: o.name, uuid: o.uuid });

/** The request's own fields, as MISP's EventDelegation row. */
function delegationFields(d: Delegation) {
  return {
    id: String(d.id), org_id: String(d.orgId), requester_org_id: String(d.requesterOrgId), event_id: String(d.eventId),
    message: d.message, distribution: String(d.distribution), sharing_group_id: String(d.sharingGroupId ?? 0),
  };
}

function eventSummary(d: Delegation) {
  const e = d.event;
  return {
    id: String(e.id), info: e.info, uuid: e.uuid, analysis: String(e.analysis), distribution: String(e.distribution),
    threat_level_id: String(e.threatLevelId), date: e.date, attribute_count: String(e.attributeCount),
  };
}

/** An entry of MISP's index: the row (without "recipient decides" and "no sharing group"), with its event and organisations inside. */
function indexEntry(d: Delegation) {
  const { distribution, sharing_group_id: group, ...rest } = delegationFields(d);
  return {
    EventDelegation: {
      ...rest, ...(d.distribution === -1 ? {} : { distribution }), ...(d.sharingGroupId ? { sharing_group_id: group } : {}),
      Event: eventSummary(d), Org: orgDoc(d.org), RequesterOrg: orgDoc(d.requesterOrg),
    },
  };
}

/** A whole number from the address, or the delegation it names is none. */
function delegationId(request: IdRequest): number {
  const id = request.params.id;
  if (!/^\d+$/.test(id)) throw refused();
  return Number(id);
}

/**
 * MISP's event delegations, while MISP.delegation is on: the organisation that created an event asks
 * another to take it over (perm_delegate); the organisation asked accepts, and the event becomes its own
 * (owner and creator) at once; either side withdraws the request (perm_add). A request is seen by its
 * two organisations and site admins only; to anyone else it does not exist.
 */
export async function eventDelegationRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store, settings } = ctx;
  documented(app, 'Events', {
    'POST /eventDelegations/delegateEvent/:id': {
      summary: 'Ask another organisation to take an event over (its creator\'s users with perm_delegate; MISP.delegation on)', body: DELEGATION_BODY,
      response: EventDelegationMade,
    },
    'GET /eventDelegations': { summary: 'The delegation requests of the user\'s organisation: context pending (default, asked of it) or issued (made by it); value filters', response: EventDelegations },
    'GET /eventDelegations/index': { summary: 'As GET /eventDelegations', response: EventDelegations },
    'POST /eventDelegations/index': { summary: 'As GET /eventDelegations, with {"context": …} in the body', response: EventDelegations },
    'GET /eventDelegations/view/:id': { summary: 'One delegation request, with its event summary and organisations (its two organisations, site admins)', response: EventDelegationView },
    'POST /eventDelegations/acceptDelegation/:id': { summary: 'Take the event over: its owner and creator become the organisation asked (perm_add)' },
    'POST /eventDelegations/deleteDelegation/:id': { summary: 'Withdraw or refuse a request (either organisation, perm_add)' },
  });

  /** MISP's ACL: the setting and the role are asked first, with its words for any refusal. */
  const allowed = async (request: FastifyRequest, role?: (u: User) => boolean): Promise<User> => {
    const user = userOf(request);
    const on = (await settings.all())['delegation.enabled'] === 'true';
    refuseUnless(on && (role === undefined || role(user)), lacking(role === mayDelegateRole ? 'perm_delegate' : 'perm_add'));
    return user;
  };

  /** The delegation the address names, when the user may see it. */
  const visible = async (request: IdRequest, user: User): Promise<Delegation> => {
    const d = await findDelegation(store, viewerOf(user), delegationId(request));
    if (!d || !maySeeDelegation(user, d)) throw refused();
    return d;
  };

  app.post('/eventDelegations/delegateEvent/:id', async (request: IdRequest) => {
    const user = await allowed(request, mayDelegateRole);
    const ref = parseEventRef(request.params.id);
    const event = ref ? await eventOwnership(store, viewerOf(user), ref) : undefined;
    if (!event || !mayDelegateEvent(user, event)) throw refused();
    if ((await settings.all())[UNPUBLISHED_PRIVATE_SETTING] !== 'true' && event.distribution !== 0) {
      throw new ApiError(405, 'Only events with the distribution setting "Your Organisation Only" can be delegated.');
    }
    if (await eventHasDelegation(store, event.id)) {
      throw new ApiError(405, 'This event already has a pending delegation request. Please revoke that before creating a new request.');
    }
    const body: Fields = modelBody(request.body ?? {}, 'EventDelegation', 'Invalid input, could not create the Delegation Request.');
    const orgRef = textField(body, 'org_id') ?? '';
    const org = /^\d+$/.test(orgRef) ? await findOrganisationById(store, Number(orgRef)) : isUuid(orgRef) ? await findOrganisation(store, orgRef) : undefined;
    if (!org) throw new ApiError(403, 'Invalid input, could not create the Delegation Request.', { errors: { org_id: ['no such organisation'] } });
    const distributionText = textField(body, 'distribution');
    const distribution = distributionText ? Number(distributionText) : 0;
    if (!Number.isInteger(distribution) || distribution < -1 || distribution > 4) {
      throw new ApiError(403, 'Invalid input, could not create the Delegation Request.', { errors: { distribution: ['-1 (the recipient decides) or 0 to 4'] } });
    }
    let sharingGroupId: number | null = null;
    if (distribution === 4) {
      const groupRef = textField(body, 'sharing_group_id') ?? '';
      const group = /^\d+$/.test(groupRef) ? await findSharingGroup(store, viewerOf(user), { id: Number(groupRef) })
        : isUuid(groupRef) ? await findSharingGroup(store, viewerOf(user), { uuid: groupRef }) : undefined;
      if (!group) throw new ApiError(403, 'Invalid input, could not create the Delegation Request.', { errors: { sharing_group_id: ['no such sharing group'] } });
      sharingGroupId = group.id;
    }
    const id = await addDelegation(store, {
      eventId: event.id, orgId: org.id, requesterOrgId: user.org.id, message: textField(body, 'message') ?? '', distribution, sharingGroupId,
    });
    if (id === undefined) throw new ApiError(405, 'This event already has a pending delegation request. Please revoke that before creating a new request.');
    const made = await findDelegation(store, viewerOf(user), id);
    if (!made) throw refused();
    return { EventDelegation: delegationFields(made) };
  });

  const index = async (request: FastifyRequest) => {
    const user = await allowed(request);
    const query = (request.query ?? {}) as Fields;
    const body = (request.method === 'POST' ? request.body ?? {} : {}) as Fields;
    const context = textField(body, 'context') || textField(query, 'context') || 'pending';
    if (context !== 'pending' && context !== 'issued') throw new ApiError(400, 'Invalid context. Expected values: pending or issued.');
    const value = textField(query, 'value') || textField(body, 'value');
    const list = await listDelegations(store, viewerOf(user), { context, orgId: user.org.id, ...(value ? { value } : {}) });
    return list.map(indexEntry);
  };
  app.get('/eventDelegations', index);
  app.get('/eventDelegations/index', index);
  app.post('/eventDelegations/index', index);

  app.get('/eventDelegations/view/:id', async (request: IdRequest) => {
    const user = await allowed(request);
    const d = await visible(request, user);
    const group = d.sharingGroupId ? await findSharingGroup(store, viewerOf(user), { id: d.sharingGroupId }) : undefined;
    return {
      EventDelegation: delegationFields(d), Org: orgDoc(d.org), RequesterOrg: orgDoc(d.requesterOrg), Event: eventSummary(d),
      SharingGroup: group ? { id: String(group.id), name: group.name, uuid: group.uuid } : {},
      requested_distribution_level: d.distribution === -1 ? false : DISTRIBUTION_LEVELS[d.distribution] ?? false,
    };
  });

  app.post('/eventDelegations/acceptDelegation/:id', async (request: IdRequest) => {
    const user = await allowed(request, mayAnswerDelegationsRole);
    const d = await visible(request, user);
    if (!mayAcceptDelegation(user, d)) throw refused();
    // The request is addressed to one organisation: a site admin accepting takes the event for it.
    const eventId = await transferDelegatedEvent(store, d.id, d.orgId);
    if (eventId === undefined) throw refused();
    return saved('Event ownership transferred.', '/eventDelegations/acceptDelegation', d.id);
  });

  app.post('/eventDelegations/deleteDelegation/:id', async (request: IdRequest) => {
    const user = await allowed(request, mayAnswerDelegationsRole);
    const d = await visible(request, user);
    if (!mayDiscardDelegation(user, d)) throw refused();
    if (!(await deleteDelegation(store, d.id))) throw refused();
    return saved('Delegation request deleted.', '/eventDelegations/deleteDelegation', d.id);
  });
}
