import type { FastifyInstance, FastifyRequest } from 'fastify';
import { warninglistsOf } from '../../correlation/warninglists/enforce.js';
import type { Store } from '../../store/database.js';
import { searchAttributes, type AttributeHit } from '../../store/search.js';
import { ApiError } from '../errors.js';
import { attributeSearch, type RestQuery } from '../rest-search.js';
import { userOf, viewerOf } from '../session.js';
import type { SettingsCache } from '../settings-cache.js';

/** An attribute as attributes/restSearch answers it, with its event's essentials. */
export function attributeDocument(h: AttributeHit) {
  return {
    id: String(h.id), event_id: String(h.eventId), object_id: String(h.objectId ?? 0), object_relation: h.objectRelation,
    category: h.category, type: h.type, to_ids: h.to_ids, uuid: h.uuid, timestamp: String(h.timestamp),
    distribution: String(h.distribution), sharing_group_id: '0', comment: h.comment, deleted: h.deleted,
    disable_correlation: h.disableCorrelation, first_seen: h.firstSeen, last_seen: h.lastSeen, value: h.value,
    Event: {
      org_id: String(h.eventOrgId), distribution: String(h.eventDistribution), id: String(h.eventId), info: h.eventInfo,
      orgc_id: String(h.eventOrgcId), uuid: h.eventUuid,
    },
  };
}

export async function attributeRoutes(app: FastifyInstance, store: Store, settings: SettingsCache): Promise<void> {
  const restSearch = async (request: FastifyRequest) => {
    const user = userOf(request);
    const body = request.body;
    if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) {
      throw new ApiError(400, 'restSearch: the body must be a JSON object of filters');
    }
    const query: RestQuery = { ...(request.query as RestQuery), ...((body as RestQuery | undefined) ?? {}) };
    const search = attributeSearch(query);
    if (search.returnFormat !== 'json') throw new ApiError(400, `restSearch: returnFormat "${search.returnFormat}" is not served yet; use json`);
    let hits = await searchAttributes(store, viewerOf(user), search.filter);
    // As MISP does, the warninglist filter applies to the page found: a page may come back short.
    if (search.enforceWarninglist) {
      const lists = (await settings.correlation()).warninglists;
      hits = hits.filter((h) => warninglistsOf(lists, h).length === 0);
    }
    return { response: { Attribute: hits.map(attributeDocument) } };
  };
  app.post('/attributes/restSearch', restSearch);
  app.get('/attributes/restSearch', restSearch);
}
