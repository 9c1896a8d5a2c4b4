import { clusterTagName, type GalaxyCluster } from '../../libraries/galaxy.js';
import type { Store } from '../db/database.js';
import type { NewRelation } from './custom-clusters.js';
import type { CustomClusterInfo } from './galaxies.js';

/**
 * Custom galaxy clusters that come from another instance (MISP's captureCluster, from a pull or a
 * sync user's pushCluster): stored under their uuid, their creator kept, locked, and replaced only by a
 * strictly newer version of a locked copy.
 */

/** A cluster as another instance sends it, its organisations and sharing group already known here. */
export interface SyncedCluster extends CustomClusterInfo, Omit<GalaxyCluster, 'meta' | 'related'> {
  galaxyId: number;
  meta: Record<string, string[]>;
  relations: NewRelation[];
}

/** What became of a cluster sent: MISP's imported, ignored or failed, with its reason. */
export type ClusterCapture = { outcome: 'imported' } | { outcome: 'ignored' | 'failed'; reason: string };

/**
 * Saves a cluster from another instance as MISP's captureCluster: a new one is created locked; a held
 * one is replaced (its elements and relations too) only when it is a custom cluster, locked (or the
 * link is internal) and older than the one sent.
 */
export async function captureSyncedCluster(store: Store, c: SyncedCluster, options: { internal: boolean }): Promise<ClusterCapture> {
  return store.db.transaction().execute(async (trx) => {
    const held = await trx.selectFrom('galaxy_cluster').select(['id', 'custom', 'locked', 'version']).where('uuid', '=', c.uuid).executeTakeFirst();
    if (held && held.custom !== 1) return { outcome: 'failed', reason: 'Only non-default clusters can be saved' };
    if (held && held.locked !== 1 && !options.internal) {
      return { outcome: 'failed', reason: 'Blocked an edit to an cluster that was created locally. This can happen if a synchronised cluster that was created on this instance was modified by an administrator on the remote side.' };
    }
    if (held && Number(held.version) >= c.version) return { outcome: 'ignored', reason: `Remote version is not newer than local one for cluster (${c.uuid})` };
    const tagName = clusterTagName(c.type, c.uuid);
    const row = {
      galaxy_id: c.galaxyId, type: c.type, value: c.value, tag_name: tagName, description: c.description, source: c.source,
      authors: JSON.stringify(c.authors), version: c.version, meta: JSON.stringify(c.meta), related: '[]', custom: 1, org_id: c.orgId, orgc_id: c.orgcId,
      distribution: c.distribution, sharing_group_id: c.distribution === 4 ? c.sharingGroupId : null, published: c.published ? 1 : 0,
      deleted: c.deleted ? 1 : 0, extends_uuid: c.extendsUuid, extends_version: c.extendsVersion, locked: 1,
    };
    let id: number;
    if (held) {
      id = held.id;
      await trx.updateTable('galaxy_cluster').set(row).where('id', '=', id).execute();
      await trx.deleteFrom('galaxy_cluster_relation').where('galaxy_cluster_id', '=', id).execute();
      await trx.deleteFrom('galaxy_cluster_name').where('cluster_id', '=', id).execute();
    } else {
      id = (await trx.insertInto('galaxy_cluster').values({ uuid: c.uuid, ...row }).returning('id').executeTakeFirstOrThrow()).id;
    }
    await trx.insertInto('galaxy_cluster_name').values({ tag_name: tagName, cluster_id: id, synonym: 0 }).execute();
    for (const r of c.relations) {
      await trx.insertInto('galaxy_cluster_relation').values({
        galaxy_cluster_id: id, referenced_uuid: r.referencedUuid, type: r.type, distribution: r.distribution,
        sharing_group_id: r.distribution === 4 ? r.sharingGroupId : null, tags: JSON.stringify([...new Set(r.tags)]),
      }).execute();
    }
    return { outcome: 'imported' };
  });
}

/** The versions of the clusters held here under these uuids, whoever may see them (a sync run compares versions only). */
export async function heldClusterVersions(store: Store, uuids: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (let i = 0; i < uuids.length; i += 500) {
    const chunk = uuids.slice(i, i + 500).map((u) => u.toLowerCase());
    if (chunk.length === 0) continue;
    for (const r of await store.db.selectFrom('galaxy_cluster').select(['uuid', 'version']).where('uuid', 'in', chunk).execute()) out.set(r.uuid, Number(r.version));
  }
  return out;
}

/** A custom cluster that may be pushed: published, not deleted; whether it may cross to a given server is the policy's to say. */
export interface PushableCluster {
  id: number;
  uuid: string;
  version: number;
  distribution: number;
  sharingGroupId: number | null;
}

/** MISP's getElligibleClustersToPush: the published custom clusters held here (those of these tag names only, when given). */
export async function pushableClusters(store: Store, tagNames?: readonly string[]): Promise<PushableCluster[]> {
  if (tagNames && tagNames.length === 0) return [];
  let q = store.db.selectFrom('galaxy_cluster').select(['id', 'uuid', 'version', 'distribution', 'sharing_group_id'])
    .where('custom', '=', 1).where('published', '=', 1).where('deleted', '=', 0);
  if (tagNames) q = q.where('tag_name', 'in', [...tagNames]);
  const rows = await q.orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, uuid: r.uuid, version: Number(r.version), distribution: r.distribution, sharingGroupId: r.sharing_group_id }));
}

/** The galaxy tags the events carry, on themselves or their attributes, local tags left out (MISP's extractAllTagNames, for a push). */
export async function galaxyTagsOfEvents(store: Store, eventIds: readonly number[]): Promise<string[]> {
  if (eventIds.length === 0) return [];
  const ids = [...eventIds];
  const onEvents = await store.db.selectFrom('event_tag').innerJoin('tag', 'tag.id', 'event_tag.tag_id').select('tag.name')
    .where('event_tag.event_id', 'in', ids).where('event_tag.local', '=', 0).where('tag.name', 'like', 'misp-galaxy:%').execute();
  const onAttributes = await store.db.selectFrom('attribute_tag').innerJoin('tag', 'tag.id', 'attribute_tag.tag_id').select('tag.name')
    .where('attribute_tag.event_id', 'in', ids).where('attribute_tag.local', '=', 0).where('tag.name', 'like', 'misp-galaxy:%').execute();
  return [...new Set([...onEvents, ...onAttributes].map((r) => r.name))];
}
