import { isUuid, type OrganisationRef } from '../../model/event.js';
import { captureOrganisation } from '../../store/access/organisations.js';
import { captureSharingGroup } from '../../store/access/sharing-groups.js';
import type { Store } from '../../store/db/database.js';
import type { NewRelation } from '../../store/libraries/custom-clusters.js';
import { galaxyByRef } from '../../store/libraries/galaxies.js';
import type { SyncedCluster } from '../../store/libraries/synced-clusters.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObject) : isObject(v) ? Object.values(v).filter(isObject) : []);
const truthy = (v: unknown) => v === true || v === 1 || v === '1' || v === 'true';
const text = (v: unknown) => (v === undefined || v === null ? '' : String(v));

const orgRef = (v: unknown): OrganisationRef | undefined =>
  isObject(v) && typeof v.uuid === 'string' && isUuid(v.uuid.toLowerCase()) ? { uuid: v.uuid.toLowerCase(), name: text(v.name) || v.uuid } : undefined;

/** MISP's downgrade of what is pulled: this community becomes this organisation, connected communities this community. */
const downgraded = (d: number) => (d === 1 ? 0 : d === 2 ? 1 : d);

/**
 * The local id of the sharing group a synced item names (by uuid), created with the members the sender
 * lists (and `alsoMember`, the organisation the sender showed the item to) when unknown here.
 */
async function groupOf(store: Store, sg: unknown, creatorOrgId: number, alsoMember: OrganisationRef | undefined): Promise<number | null> {
  if (!isObject(sg) || typeof sg.uuid !== 'string' || !isUuid(sg.uuid.toLowerCase())) return null;
  const members = list(sg.SharingGroupOrg).map((m) => orgRef(m.Organisation)).filter((o): o is OrganisationRef => !!o);
  if (alsoMember && !members.some((m) => m.uuid === alsoMember.uuid)) members.push(alsoMember);
  // Organisations first: the group's transaction must not wait on another write of the same store.
  const ids = new Map<string, number>();
  for (const m of members) ids.set(m.uuid, await captureOrganisation(store, m));
  return store.db.transaction().execute((trx) => captureSharingGroup(trx, { uuid: sg.uuid as string, name: text(sg.name), organisations: members },
    creatorOrgId, async (o) => ids.get(o.uuid) ?? creatorOrgId));
}

/** How a cluster document arrived: pulled for a server (its organisation owns it, levels downgraded unless internal) or pushed by a sync user. */
export interface ClusterArrival {
  /** The local organisation that holds the copy: the server's on a pull, the sync user's on a push. */
  owner: OrganisationRef & { id: number };
  /** On a pull: MISP's downgrades, unless the server is internal. */
  downgrade: boolean;
}

/**
 * A GalaxyCluster document (galaxy_clusters/view, galaxies/pushCluster) as a cluster to store, or the
 * reason it cannot be: a default (library) cluster, no uuid, a galaxy this instance does not have.
 */
export async function readSyncedCluster(store: Store, doc: unknown, arrival: ClusterArrival): Promise<SyncedCluster | { failed: string }> {
  const c = isObject(doc) && isObject(doc.GalaxyCluster) ? doc.GalaxyCluster : doc;
  if (!isObject(c) || typeof c.uuid !== 'string' || !isUuid(c.uuid.toLowerCase())) return { failed: 'a cluster without a valid uuid' };
  if (truthy(c.default)) return { failed: 'Only non-default clusters can be saved' };
  const galaxyDoc = isObject(c.Galaxy) ? c.Galaxy : {};
  const galaxy = (typeof galaxyDoc.uuid === 'string' ? await galaxyByRef(store, galaxyDoc.uuid) : undefined)
    ?? (c.type ? await galaxyByRef(store, text(c.type)) : undefined);
  if (!galaxy) return { failed: `no galaxy ${text(galaxyDoc.uuid || c.type)} here: load it first` };
  const orgc = orgRef(c.Orgc);
  const orgcId = orgc ? await captureOrganisation(store, orgc) : arrival.owner.id;
  let distribution = Number(c.distribution ?? 1);
  if (![0, 1, 2, 3, 4].includes(distribution)) distribution = 0;
  if (arrival.downgrade) distribution = downgraded(distribution);
  // A group the sender showed this to its sync user holds the organisation that user is of.
  const sharingGroupId = distribution === 4 ? await groupOf(store, c.SharingGroup, orgcId, arrival.owner) : null;
  if (distribution === 4 && sharingGroupId === null) distribution = 0;
  const meta: Record<string, string[]> = {};
  for (const e of list(c.GalaxyElement)) if (e.key !== undefined && e.value !== undefined) (meta[text(e.key)] ??= []).push(text(e.value));
  if (list(c.GalaxyElement).length === 0 && isObject(c.meta)) {
    for (const [k, v] of Object.entries(c.meta)) meta[k] = Array.isArray(v) ? v.map(text) : [text(v)];
  }
  const relations: NewRelation[] = [];
  for (const r of list(c.GalaxyClusterRelation)) {
    const target = text(r.referenced_galaxy_cluster_uuid).toLowerCase();
    if (!isUuid(target)) continue;
    let d = Number(r.distribution ?? 0);
    if (arrival.downgrade) d = downgraded(d);
    const group = d === 4 ? await groupOf(store, r.SharingGroup, orgcId, arrival.owner) : null;
    relations.push({
      referencedUuid: target, type: text(r.referenced_galaxy_cluster_type), distribution: d === 4 && group === null ? 0 : d, sharingGroupId: group,
      tags: list(r.Tag).map((t) => text(t.name)).filter(Boolean),
    });
  }
  const authors = Array.isArray(c.authors) ? c.authors.map(text) : typeof c.authors === 'string' && c.authors ? [c.authors] : [];
  return {
    uuid: c.uuid.toLowerCase(), galaxyId: galaxy.id, type: galaxy.type, value: text(c.value), description: text(c.description), source: text(c.source),
    authors, version: Number(c.version ?? 0) || 0, meta, orgId: arrival.owner.id, orgcId, distribution, sharingGroupId,
    published: truthy(c.published), deleted: truthy(c.deleted), extendsUuid: text(c.extends_uuid) || null, extendsVersion: Number(c.extends_version ?? 0) || null,
    relations,
  };
}
