import type { Store } from '../db/database.js';
import { bytesToUuid } from '../db/uuid.js';

export interface PushCandidate {
  id: number;
  uuid: string;
  timestamp: number;
  distribution: number;
  sharingGroupId: number | null;
}

/**
 * The events a push to another instance looks at, as MISP's Server::push selects them: published, of a
 * distribution beyond this organisation (1–4), after an id (incremental) or one by id; oldest first.
 * Whether each may cross to a given server is the access policy's (access/policy/servers.ts).
 */
export async function pushCandidates(store: Store, f: { afterId?: number; id?: number }): Promise<PushCandidate[]> {
  let q = store.db.selectFrom('event').select(['id', 'uuid', 'timestamp', 'distribution', 'sharing_group_id'])
    .where('published', '=', 1).where('distribution', 'in', [1, 2, 3, 4]);
  if (f.id !== undefined) q = q.where('id', '=', f.id);
  if (f.afterId !== undefined) q = q.where('id', '>', f.afterId);
  const rows = await q.orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, uuid: bytesToUuid(r.uuid), timestamp: Number(r.timestamp), distribution: r.distribution, sharingGroupId: r.sharing_group_id }));
}
