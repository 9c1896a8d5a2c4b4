import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isUuid } from '../../model/event.js';
import { viewerOf } from '../../access/viewer.js';
import { mayCallAsRemote } from '../../access/policy/servers.js';
import { maySync } from '../../access/policy/events.js';
import { mayAddSighting } from '../../access/policy/sightings.js';
import { eventOwnership, eventVersions } from '../../store/events/ownership.js';
import { parseEventRef } from '../../store/events/reader.js';
import { heldSightingUuids, saveSyncedSightings, visibleAttributeIds, type SyncedSighting } from '../../store/sightings.js';
import { captureOrganisation, findOrganisation } from '../../store/access/organisations.js';
import { customClusterVersions } from '../../store/libraries/custom-clusters.js';
import { findAnalystData } from '../../store/analyst-data.js';
import { ApiError } from '../errors.js';
import { lacking, refuseUnless, userOf } from '../session.js';
import { documented } from '../openapi.js';
import type { ApiContext } from '../context.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
/** A list as MISP sends one: an array, or the object PHP writes for one. */
const listOf = (v: unknown): unknown[] => (Array.isArray(v) ? v : isObject(v) ? Object.values(v) : []);
const truthy = (v: unknown) => v === true || v === 1 || v === '1' || v === 'true';

/** MISP's analyst data kinds, as its sync endpoints name them. */
const ANALYST_MODELS = ['Note', 'Opinion', 'Relationship'] as const;

/**
 * What another instance calls while it syncs with this one, beyond the ordinary reads: which of its
 * events and sightings this one lacks, its sightings pushed in bulk, the minimal cluster and analyst data
 * indexes. Every answer is what the calling sync user may see: the access policy decides, as for any read.
 */
export async function syncRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store } = ctx;
  documented(app, 'Sync', {
    'POST /events/filterEventIdsForPush': { summary: "Of the events offered ([{Event: {uuid, timestamp}}]), the uuids this instance lacks, or holds older and locked (MISP's push step); sync users" },
    'POST /sightings/filterSightingUuidsForPush/:id': { summary: 'Of the sighting uuids offered, those the event holds already' },
    'POST /sightings/bulkSaveSightings/:id': { summary: "Another instance's sightings of an event, kept under their uuids and organisations; sync users" },
    'POST /galaxy_clusters/restSearch': { summary: 'Custom clusters you may see; with minimal, only their uuid and version (what a syncing instance compares)' },
    'POST /analyst_data/indexMinimal': { summary: 'The notes, opinions and relationships you may see, as {Note: {uuid: modified}, …}' },
    'POST /analyst_data/filterAnalystDataForPush': { summary: 'Of the analyst data offered ({Note: {uuid: modified}, …}), what this instance would take' },
  });

  const remote = (request: FastifyRequest) => {
    const user = userOf(request);
    refuseUnless(mayCallAsRemote(user), lacking('perm_sync'));
    return user;
  };

  // MISP offers an event unless the copy here is as new, or newer but not locked (edited here, not synced).
  app.post('/events/filterEventIdsForPush', async (request) => {
    const user = remote(request);
    const offered = new Map<string, number>();
    for (const item of listOf(request.body)) {
      const e = isObject(item) && isObject(item.Event) ? item.Event : item;
      if (!isObject(e) || typeof e.uuid !== 'string' || !isUuid(e.uuid.toLowerCase())) {
        throw new ApiError(400, 'filterEventIdsForPush takes a list of {"Event": {"uuid", "timestamp"}}: an entry has no valid uuid');
      }
      offered.set(e.uuid.toLowerCase(), Number(e.timestamp ?? 0));
    }
    for (const held of await eventVersions(store, viewerOf(user), [...offered.keys()])) {
      if (held.timestamp >= offered.get(held.uuid)! || !held.locked) offered.delete(held.uuid);
    }
    return [...offered.keys()];
  });

  const eventOf = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const ref = parseEventRef(request.params.id);
    const event = ref && (await eventOwnership(store, viewerOf(userOf(request)), ref));
    if (!event) throw new ApiError(404, 'Event not found');
    return event;
  };

  app.post<{ Params: { id: string } }>('/sightings/filterSightingUuidsForPush/:id', async (request) => {
    userOf(request);
    const event = await eventOf(request);
    const uuids = listOf(request.body).filter((u): u is string => typeof u === 'string' && isUuid(u.toLowerCase())).map((u) => u.toLowerCase());
    return heldSightingUuids(store, event.id, uuids);
  });

  app.post<{ Params: { id: string } }>('/sightings/bulkSaveSightings/:id', async (request) => {
    const user = userOf(request);
    refuseUnless(mayAddSighting(user), lacking('perm_sighting'));
    const ref = parseEventRef(request.params.id);
    const event = ref && (await eventOwnership(store, viewerOf(user), ref));
    // MISP turns its "not found" into a 405 here.
    if (!event) throw new ApiError(405, 'Event not found or not accessible by this user.');
    const body = isObject(request.body) && request.body.Sighting !== undefined ? request.body.Sighting : request.body;
    const given = listOf(body).filter(isObject);
    const attributeUuids = [...new Set(given.map((s) => String(s.attribute_uuid ?? '').toLowerCase()).filter((u) => isUuid(u)))];
    const attributes = await visibleAttributeIds(store, viewerOf(user), event.id, attributeUuids);
    const rows: SyncedSighting[] = [];
    for (const s of given) {
      const uuid = String(s.uuid ?? '').toLowerCase();
      const attributeId = attributes.get(String(s.attribute_uuid ?? '').toLowerCase());
      const type = Number(s.type ?? 0);
      // A sighting on an attribute the user may not see, or not of this event, is left out as MISP leaves it.
      if (!isUuid(uuid) || attributeId === undefined || ![0, 1, 2].includes(type)) continue;
      // A sync user keeps the sighting's organisation (0: anonymous); anyone else's sightings are his organisation's.
      let orgId: number | null = user.org.id;
      if (maySync(user) && s.org_id !== undefined) {
        const org = isObject(s.Organisation) ? s.Organisation : undefined;
        orgId = String(s.org_id) !== '0' && org && typeof org.uuid === 'string' && isUuid(org.uuid.toLowerCase())
          ? await captureOrganisation(store, { uuid: org.uuid, name: String(org.name ?? org.uuid) }) : null;
      }
      rows.push({ uuid, attributeId, eventId: event.id, orgId, type, dateSighting: Number(s.date_sighting ?? Math.floor(Date.now() / 1000)), source: String(s.source ?? '') });
    }
    const saved = await saveSyncedSightings(store, rows);
    return saved > 0 ? { saved: true, success: `${saved} sightings added.` } : { saved: false, success: 'No sightings added.' };
  });

  // MISP's galaxy_clusters/restSearch; a syncing instance asks {"published":1,"minimal":1,"custom":1[,"uuid":[…]]}.
  app.post('/galaxy_clusters/restSearch', async (request) => {
    const user = userOf(request);
    const q = isObject(request.body) ? request.body : {};
    const uuids = q.uuid === undefined ? undefined : listOf(Array.isArray(q.uuid) || isObject(q.uuid) ? q.uuid : [q.uuid]).map(String);
    const clusters = await customClusterVersions(store, viewerOf(user), {
      ...(q.published !== undefined ? { published: truthy(q.published) } : {}), ...(uuids ? { uuids } : {}),
    });
    if (!truthy(q.minimal)) throw new ApiError(400, 'galaxy_clusters/restSearch answers minimal:1 searches only (uuid and version); read a cluster whole with galaxy_clusters/view');
    return { response: clusters.map((c) => ({ GalaxyCluster: { uuid: c.uuid, version: String(c.version) } })) };
  });

  // {Note: {uuid: modified}, …}; MISP writes [] when there is nothing. orgc_name narrows by creator (id, name or uuid; `!` excludes).
  app.post('/analyst_data/indexMinimal', async (request) => {
    const user = userOf(request);
    const q = isObject(request.body) ? request.body : {};
    const wanted = listOf(q.orgc_name).map(String);
    const only: string[] = [];
    const not: string[] = [];
    for (const w of wanted) {
      const org = await findOrganisation(store, w.replace(/^!/, ''));
      if (org) (w.startsWith('!') ? not : only).push(org.uuid);
    }
    const rows = (await findAnalystData(store, viewerOf(user), {}))
      .filter((r) => (wanted.some((w) => !w.startsWith('!')) ? only.includes(r.orgc.uuid) : true) && !not.includes(r.orgc.uuid));
    if (rows.length === 0) return [];
    const out: Record<string, Record<string, string>> = {};
    for (const r of rows) (out[r.kind] ??= {})[r.uuid] = new Date(r.modified * 1000).toISOString().slice(0, 19).replace('T', ' ');
    return out;
  });

  // Cairn keeps no analyst data as "locked" (come from elsewhere): like MISP with an unlocked copy, it takes no newer version of one it holds.
  app.post('/analyst_data/filterAnalystDataForPush', async (request) => {
    const user = remote(request);
    const q = isObject(request.body) ? request.body : {};
    const out: Record<string, Record<string, unknown>> = { Note: {}, Opinion: {}, Relationship: {} };
    for (const model of ANALYST_MODELS) {
      const offered = isObject(q[model]) ? q[model] : {};
      const uuids = Object.keys(offered).filter((u) => isUuid(u.toLowerCase()));
      const held = new Set(uuids.length ? (await findAnalystData(store, viewerOf(user), { uuids })).map((r) => r.uuid) : []);
      for (const u of uuids) if (!held.has(u.toLowerCase())) out[model]![u] = offered[u];
    }
    return out;
  });
}
