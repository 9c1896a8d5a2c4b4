import type { FastifyInstance } from 'fastify';
import type { Store } from '../store/db/database.js';
import { markWritten } from '../store/replicas/index.js';

/**
 * Routes that take POST and only read: their requests leave no mark (a mark is a write on the primary,
 * and restSearch is most often a POST). Any other POST, PUT, PATCH or DELETE may write; a route missing
 * here costs a mark, never a stale read.
 */
const READS_BY_POST = new Set([
  '/attributes/restSearch', '/events/restSearch', '/objects/restSearch', '/galaxy_clusters/restSearch', '/sightings/restSearch/:context?',
  '/events/index', '/events/view/:id', '/admin/audit_logs/index', '/admin/logs/index', '/analyst_data/indexMinimal', '/eventDelegations/index',
  '/galaxies/index', '/galaxy_clusters/index/:id', '/sightings/listSightings', '/sightings/listSightings/:id/:context?', '/tags/search',
  '/feeds/searchCaches', '/feeds/previewIndex/:id', '/warninglists/checkValue', '/cairn/import/preview',
]);

/**
 * With replicas, a request of a user that may have written records how far the primary's WAL had gone
 * once it was done (src/store/replicas): his next reads, on any server process or thread, go to a
 * replica only once it has replayed that far. Recorded in onSend, after the handler (and the commits it
 * waited for) and before the answer leaves: the user cannot ask again before the mark is there. Writes a
 * request leaves running in the background after answering (a feed fetch, a pull) are not covered:
 * they reach replicas within the lag bound.
 */
export function markUsersWrites(app: FastifyInstance, store: Store): void {
  if (!store.replicas) return;
  app.addHook('onSend', async (request, _reply, payload) => {
    const method = request.method;
    if (!request.user || method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return payload;
    if (method === 'POST' && READS_BY_POST.has(request.routeOptions.url ?? '')) return payload;
    try {
      await markWritten(store, request.user.id);
    } catch (err) {
      // The write itself is done: failing its answer would have the client write it again.
      request.log.error({ err }, 'could not record the user\'s write for read-your-writes');
    }
    return payload;
  });
}
