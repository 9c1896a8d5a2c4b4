import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Store } from '../store/db/database.js';
import { recordAudit } from '../store/access/audit-log.js';

/** The model each part of the API changes, by the first part of its address. */
const MODELS: Record<string, string> = {
  events: 'Event', attributes: 'Attribute', objects: 'Object', objectReferences: 'ObjectReference', tags: 'Tag', sightings: 'Sighting',
  sharing_groups: 'SharingGroup', sharingGroups: 'SharingGroup', users: 'User', organisations: 'Organisation', roles: 'Role',
  auth_keys: 'AuthKey', correlation_exclusions: 'CorrelationExclusion', warninglists: 'Warninglist',
  taxonomies: 'Taxonomy', galaxies: 'Galaxy', noticelists: 'Noticelist', objectTemplates: 'ObjectTemplate', eventDelegations: 'EventDelegation',
  shadow_attributes: 'ShadowAttribute', shadowAttributes: 'ShadowAttribute', decayingModel: 'DecayingModel', decayingModelMapping: 'DecayingModelMapping',
};

/** POSTs that read rather than change. */
const READS = new Set(['restSearch', 'index', 'checkValue', 'view']);

/** Model, action and id of a change the request makes; undefined for a read. */
function changeOf(request: FastifyRequest): { model: string; action: string; id: string } | undefined {
  if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS') return undefined;
  const url = request.routeOptions.url ?? '';
  // POST /galaxies is MISP's galaxy search.
  if (url.endsWith('/restSearch') || url === '/galaxies') return undefined;
  const parts = url.split('/').filter(Boolean);
  // TAXII: a POST adds objects to a collection, a DELETE removes one.
  if (parts[0] === 'taxii2') {
    if (request.method === 'DELETE') return { model: 'StixObject', action: 'delete', id: (request.params as { objectId?: string }).objectId ?? '' };
    return parts[parts.length - 1] === 'objects' ? { model: 'StixObject', action: 'add', id: (request.params as { collection?: string }).collection ?? '' } : undefined;
  }
  if (parts[0] === 'admin') parts.shift();
  const model = MODELS[parts[0] ?? ''];
  if (!model) return undefined;
  const verb = parts[1] && !parts[1].startsWith(':') ? parts[1] : request.method === 'POST' ? 'add' : request.method === 'DELETE' ? 'delete' : 'edit';
  if (READS.has(verb)) return undefined;
  // What an upload made is read from its answer, as for an add.
  if (verb === 'upload_stix') return { model, action: verb, id: '' };
  const params = Object.values((request.params ?? {}) as Record<string, string>);
  return { model, action: verb, id: params[0] ?? '' };
}

/**
 * Records every change made through the API that succeeded: who (user, organisation, address), what
 * (model and id) and how (the action and the request). Reads are not recorded.
 */
export function auditChanges(app: FastifyInstance, store: Store): void {
  // Recorded before the answer leaves, so that a client who got it finds the change in the log.
  app.addHook('onSend', async (request, reply, payload) => {
    const change = reply.statusCode < 400 && request.user ? changeOf(request) : undefined;
    if (!change || !request.user) return payload;
    // What an add made is named first in its answer (`{"Event":{"id":"12",…`): read there, not by parsing it all.
    const made = !change.id && typeof payload === 'string' ? /^\{"(\w+)":\{"id":"?(\d+)/.exec(payload.slice(0, 200)) : null;
    const id = change.id || (made && made[1] === change.model ? made[2]! : '');
    await recordAudit(store, {
      userId: request.user.id, email: request.user.email, orgId: request.user.org.id, ip: request.ip,
      action: change.action, model: change.model, modelId: id, request: `${request.method} ${request.url.split('?')[0]}`,
    });
    return payload;
  });
}
