import { eventPushRefusal, itemPushable } from '../../access/policy/servers.js';
import { OPERATOR } from '../../access/viewer.js';
import { findOrganisationById } from '../../store/access/organisations.js';
import { findSharingGroup, type SharingGroup } from '../../store/access/sharing-groups.js';
import { clusterByRef, galaxyByRef, type ClusterInfo } from '../../store/libraries/galaxies.js';
import { galaxyTagsOfEvents, pushableClusters } from '../../store/libraries/synced-clusters.js';
import { RemoteError, messageOf } from './client.js';
import type { RemoteInfo } from './connection.js';
import { groupDocument, groupFacts, syncTarget } from './prepare.js';
import { remoteClusterVersions } from './pull-clusters.js';
import type { SyncRunContext } from './run-context.js';

type Json = Record<string, unknown>;

const metaElements = (meta: Record<string, unknown>) =>
  Object.entries(meta).flatMap(([key, v]) => (Array.isArray(v) ? v : [v]).map((value) => ({ key, value: String(value) })));

/**
 * A cluster as MISP's __updateClusterForSync sends it: without this instance's ids, connected
 * communities downgraded to this community (unless internal), relations of this organisation or
 * community only left out, its sharing group described in full so that the remote can make it.
 */
async function clusterForPush(ctx: SyncRunContext, c: ClusterInfo, group: (id: number | null) => Promise<SharingGroup | undefined>): Promise<Json> {
  const own = c.custom!;
  const t = syncTarget(ctx.server);
  const [galaxy, org, orgc] = await Promise.all([galaxyByRef(ctx.store, String(c.galaxyId)), findOrganisationById(ctx.store, own.orgId), findOrganisationById(ctx.store, own.orgcId)]);
  const level = (d: number) => (!t.internal && d === 2 ? 1 : d);
  const relations: Json[] = [];
  for (const r of c.related) {
    const d = r.distribution ?? 3;
    const g = d === 4 ? await group(r.sharingGroupId ?? null) : undefined;
    if (!itemPushable(d, g && groupFacts(g), t)) continue;
    relations.push({
      galaxy_cluster_uuid: c.uuid, referenced_galaxy_cluster_uuid: r.destUuid, referenced_galaxy_cluster_type: r.type, default: false,
      distribution: String(level(d)), ...(g ? { SharingGroup: groupDocument(g) } : {}), Tag: r.tags.map((name) => ({ name })),
    });
  }
  const g = own.distribution === 4 ? await group(own.sharingGroupId) : undefined;
  return {
    GalaxyCluster: {
      uuid: c.uuid, collection_uuid: '', type: c.type, value: c.value, tag_name: c.tagName, description: c.description, source: c.source,
      authors: c.authors, version: String(c.version), distribution: String(level(own.distribution)), sharing_group_id: g ? String(g.id) : null,
      default: false, locked: false, extends_uuid: own.extendsUuid ?? '', extends_version: String(own.extendsVersion ?? 0), published: own.published, deleted: own.deleted,
      ...(g ? { SharingGroup: groupDocument(g) } : {}),
      ...(galaxy ? { Galaxy: { uuid: galaxy.uuid, name: galaxy.name, type: galaxy.type, description: galaxy.description, version: String(galaxy.version), namespace: galaxy.namespace, icon: galaxy.icon } } : {}),
      GalaxyElement: metaElements(c.meta), GalaxyClusterRelation: relations,
      ...(org ? { Org: { uuid: org.uuid, name: org.name, local: org.local } } : {}), ...(orgc ? { Orgc: { uuid: orgc.uuid, name: orgc.name, local: orgc.local } } : {}),
    },
  };
}

/**
 * MISP's syncGalaxyClusters, before the events: the published custom clusters held here (on a full push
 * all of them; otherwise those whose tags the events pushed carry, `eventIds`) that may cross to the
 * server (the same policy as events: never this organisation or community only, a sharing group only
 * with the server or the remote's organisation in it), the remote asked for its versions of them
 * (galaxy_clusters/restSearch with their uuids), and each one it lacks or holds older sent to
 * galaxies/pushCluster. Needs a remote sync user with galaxy editing rights.
 */
export async function pushClusters(ctx: SyncRunContext, info: RemoteInfo, eventIds?: readonly number[]): Promise<void> {
  if (!ctx.server.flags.push_galaxy_clusters || !info.permSync || !info.permGalaxyEditor) return;
  const target = syncTarget(ctx.server);
  const groups = new Map<number, SharingGroup | undefined>();
  const group = async (id: number | null) => {
    if (!id) return undefined;
    if (!groups.has(id)) groups.set(id, await findSharingGroup(ctx.store, OPERATOR, { id }));
    return groups.get(id);
  };
  const crossing = [];
  const tags = eventIds ? await galaxyTagsOfEvents(ctx.store, eventIds) : undefined;
  for (const c of await pushableClusters(ctx.store, tags)) {
    const g = c.distribution === 4 ? await group(c.sharingGroupId) : undefined;
    if (!eventPushRefusal(c.distribution, g && groupFacts(g), target)) crossing.push(c);
  }
  if (crossing.length === 0) return;
  let remote: Map<string, number>;
  try {
    remote = await remoteClusterVersions(ctx, { uuid: crossing.map((c) => c.uuid) });
  } catch (err) {
    ctx.refuse('galaxy clusters', `the remote's cluster list could not be read: ${(err as Error).message}`);
    return;
  }
  for (const c of crossing.filter((x) => !remote.has(x.uuid) || remote.get(x.uuid)! < x.version)) {
    const cluster = await clusterByRef(ctx.store, OPERATOR, c.uuid);
    if (!cluster?.custom) continue;
    try {
      await ctx.client.json<unknown>('POST', '/galaxies/pushCluster', { body: [await clusterForPush(ctx, cluster, group)] });
      ctx.counts.clusters++;
    } catch (err) {
      ctx.refuse(c.uuid, `cluster: ${err instanceof RemoteError && err.body ? messageOf(err.body) : (err as Error).message}`);
    }
  }
}
