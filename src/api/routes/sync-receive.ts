import type { FastifyInstance } from 'fastify';
import { mayAddAnalystData } from '../../access/policy/analyst-data.js';
import { mayEditGalaxies } from '../../access/policy/libraries.js';
import { mayCallAsRemote } from '../../access/policy/servers.js';
import { readAnalystItem } from '../../formats/misp-json/analyst-data.js';
import { ANALYST_KINDS, type AnalystData } from '../../model/analyst-data.js';
import { captureAnalystData } from '../../services/analyst-data/capture.js';
import { readSyncedCluster } from '../../services/sync/cluster-document.js';
import { captureSyncedCluster } from '../../store/libraries/synced-clusters.js';
import { saved } from '../body.js';
import { ApiError } from '../errors.js';
import { documented } from '../openapi.js';
import { userOf } from '../session.js';
import type { ApiContext } from '../context.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const listOf = (v: unknown): unknown[] => (Array.isArray(v) ? v : isObject(v) ? Object.values(v) : []);

/** MISP refuses these pushes to anyone but a sync user with the matching right, with a 405. */
const NOT_ALLOWED = () => new ApiError(405, 'You do not have the permission to do that.');

/**
 * What another instance pushes here beyond events and sightings: custom galaxy clusters
 * (galaxies/pushCluster) and analyst data (analyst_data/pushAnalystData), as MISP's controllers take
 * them from a sync user; and the probe MISP sends before pushing event reports (GET eventReports/add).
 */
export async function syncReceiveRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store } = ctx;
  documented(app, 'Sync', {
    'POST /galaxies/pushCluster': { summary: "Another instance's custom clusters ([{GalaxyCluster: …}]), kept under their uuids and creators, locked; a newer version replaces only a locked copy (sync users with perm_galaxy_editor)" },
    'POST /analyst_data/pushAnalystData': { summary: "Another instance's note, opinion or relationship ({Note: …}), kept under its uuid and creator; a newer version replaces an older one (sync users)" },
    'GET /eventReports/add': { summary: "The description of eventReports/add: MISP's probe, before a push, of whether this instance takes event reports" },
  });

  // MISP's GalaxiesController::pushCluster: each cluster captured as the sync user's organisation's, its creator kept.
  app.post('/galaxies/pushCluster', async (request) => {
    const user = userOf(request);
    if (!mayCallAsRemote(user) || !mayEditGalaxies(user)) throw NOT_ALLOWED();
    let imported = 0;
    let ignored = 0;
    let failed = 0;
    const errors: string[] = [];
    const owner = { id: user.org.id, uuid: user.org.uuid, name: user.org.name };
    for (const doc of listOf(request.body)) {
      const cluster = await readSyncedCluster(store, doc, { owner, downgrade: false });
      if ('failed' in cluster) {
        failed++;
        errors.push(cluster.failed);
        continue;
      }
      const result = await captureSyncedCluster(store, cluster, { internal: false });
      if (result.outcome === 'imported') imported++;
      else {
        if (result.outcome === 'ignored') ignored++;
        else failed++;
        errors.push(result.reason);
      }
    }
    const info = `${imported} imported, ${ignored} ignored, ${failed} failed. ${errors.join(', ')}`;
    if (imported === 0) throw new ApiError(403, `Could not import galaxy clusters. ${info}`, { saved: false, name: `Could not import galaxy clusters. ${info}`, url: '/galaxies/pushCluster' });
    return saved(`Galaxy clusters imported. ${info}`, '/galaxies/pushCluster');
  });

  // MISP's AnalystDataController::pushAnalystData: one item under its kind, stored as a sync user's (creator kept).
  app.post('/analyst_data/pushAnalystData', async (request) => {
    const user = userOf(request);
    if (!mayCallAsRemote(user) || !mayAddAnalystData(user)) throw NOT_ALLOWED();
    const body = isObject(request.body) ? request.body : {};
    const items: AnalystData[] = [];
    for (const kind of ANALYST_KINDS) if (isObject(body[kind])) items.push(...readAnalystItem(body[kind], kind).slice(0, 1));
    const result = items.length ? await captureAnalystData(store, { kind: 'user', user }, items) : { stored: [], skipped: [] };
    const info = `${result.stored.length} imported, ${result.skipped.length} ignored, ${items.length ? 0 : 1} failed. ${result.skipped.map((s) => s.reason).join(', ')}`;
    if (result.stored.length === 0) throw new ApiError(403, `Could not import analyst data. ${info}`, { saved: false, name: `Could not import analyst data. ${info}`, url: '/analyst_data/pushAnalystData' });
    return saved(`Analyst Data imported. ${info}`, '/analyst_data/pushAnalystData');
  });

  // MISP's RestResponse API description; MISP pushes an event's reports only when `description` is there.
  app.get('/eventReports/add', async (request) => {
    userOf(request);
    return {
      name: 'Add EventReport', description: 'POST an EventReport object in JSON format to this API to add a report to an event.',
      mandatory: ['name'], optional: ['distribution', 'sharing_group_id', 'content', 'deleted'], params: ['event_id'], url: '/eventReports/add/[event_id]',
    };
  });
}
