import type { ObjectTemplate } from '../libraries/object-template.js';
import { galaxiesOfTags } from '../model/galaxy.js';
import type { TagRef } from '../model/event.js';
import type { Noticelist } from '../libraries/noticelist.js';
import type { Taxonomy, TaxonomyValue } from '../libraries/taxonomy.js';
import type { Viewer } from '../access/viewer.js';
import type { Store } from '../store/db/database.js';
import { clustersOfTags, type ClusterInfo, type GalaxyInfo } from '../store/libraries/galaxies.js';
import type { TaxonomyInfo } from '../store/libraries/taxonomies.js';

/** The library items in MISP's response shapes. Library content is public to every user of the instance. */

export function taxonomyDocument(t: TaxonomyInfo) {
  return { id: String(t.id), namespace: t.namespace, description: t.description, version: String(t.version), enabled: t.enabled, exclusive: t.exclusive,
    required: t.required, highlighted: t.highlighted };
}

/** A predicate or entry as taxonomies/export writes it: only the fields that say something (MISP drops empty ones, false and 0). */
function exportedValue(v: TaxonomyValue & { exclusive?: boolean }) {
  return {
    value: v.value, ...(v.expanded ? { expanded: v.expanded } : {}), ...(v.colour ? { colour: v.colour } : {}),
    ...(v.description ? { description: v.description } : {}), ...(v.exclusive ? { exclusive: true } : {}),
    ...(v.numericalValue ? { numerical_value: v.numericalValue } : {}),
  };
}

/** A taxonomy in the misp-taxonomies `machinetag.json` form, as MISP's taxonomies/export gives it. */
export function taxonomyExport(t: Taxonomy) {
  const withEntries = t.predicates.filter((p) => p.entries.length > 0);
  return {
    namespace: t.namespace, description: t.description, version: t.version, exclusive: t.exclusive,
    predicates: t.predicates.map(exportedValue),
    ...(withEntries.length ? { values: withEntries.map((p) => ({ predicate: p.value, entry: p.entries.map(exportedValue) })) } : {}),
  };
}

export function galaxyDocument(g: GalaxyInfo) {
  return { id: String(g.id), uuid: g.uuid, name: g.name, type: g.type, description: g.description, version: String(g.version), icon: g.icon,
    namespace: g.namespace, enabled: true, local_only: false, kill_chain_order: g.killChainOrder, default: true, distribution: '3', org_id: '0', orgc_id: '0' };
}

/** A cluster's meta as MISP's views give it: each key with a list of strings. */
function metaLists(meta: Record<string, unknown>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(meta)) {
    const values = Array.isArray(v) ? v : [v];
    out[k] = values.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
  }
  return out;
}

/**
 * A cluster in MISP's shape. A loaded (default) cluster: MISP stores default clusters with distribution 3
 * and sends it, but PyMISP (since 2.5.34, mispevent.py's MISPGalaxyCluster.from_dict) refuses any cluster
 * that is `default` with a truthy `distribution` or `sharing_group_id`, so a client could not read MISP's
 * answer back. Cairn leaves both fields out of a default cluster: library content is public to every
 * user, there is nothing they would add, and PyMISP reads the absence as distribution 0 without complaint.
 * A custom cluster (one a user made) is not default and carries its owner and its sharing, as MISP's.
 */
export function clusterDocument(c: ClusterInfo) {
  const own = c.custom;
  return {
    id: String(c.id), uuid: c.uuid, collection_uuid: '', type: c.type, value: c.value, tag_name: c.tagName, description: c.description,
    galaxy_id: String(c.galaxyId), source: c.source, authors: c.authors, version: String(c.version),
    ...(own ? {
      distribution: String(own.distribution), sharing_group_id: own.sharingGroupId === null ? null : String(own.sharingGroupId),
      org_id: String(own.orgId), orgc_id: String(own.orgcId), default: false, locked: false, extends_uuid: own.extendsUuid ?? '',
      extends_version: String(own.extendsVersion ?? 0), published: own.published, deleted: own.deleted,
    } : { org_id: '0', orgc_id: '0', default: true, locked: false, extends_uuid: '', extends_version: '0', published: true, deleted: false }),
    meta: metaLists(c.meta),
    GalaxyClusterRelation: c.related.map((r) => ({
      ...(r.id !== undefined ? { id: String(r.id), galaxy_cluster_id: String(c.id) } : {}),
      galaxy_cluster_uuid: c.uuid, referenced_galaxy_cluster_uuid: r.destUuid, referenced_galaxy_cluster_type: r.type, default: !own,
      distribution: String(r.distribution ?? 3), ...(own ? { sharing_group_id: r.sharingGroupId ? String(r.sharingGroupId) : null } : {}),
      Tag: r.tags.map((name) => ({ name })),
    })),
  };
}

/** A cluster's meta as MISP's galaxy_clusters/view lists it: one element per key and value. */
export function galaxyElements(c: ClusterInfo) {
  return Object.entries(metaLists(c.meta)).flatMap(([key, values]) => values.map((value) => ({ key, value })));
}

type KnownClusters = Awaited<ReturnType<typeof clustersOfTags>>;

/** The galaxy entries of an item's `misp-galaxy:` tags, grouped by type, from the clusters known for them. */
function galaxyEntries(byType: ReturnType<typeof galaxiesOfTags>, known: KnownClusters) {
  const out = new Map<string, Record<string, unknown> & { GalaxyCluster: Record<string, unknown>[] }>();
  for (const [type, clusters] of byType) {
    for (const c of clusters) {
      const hit = known.get(c.tagName);
      const key = hit ? hit.galaxy.uuid : type;
      if (!out.has(key)) {
        out.set(key, hit ? { ...galaxyDocument(hit.galaxy), GalaxyCluster: [] } : { name: type, type, namespace: 'misp', description: '', GalaxyCluster: [] });
      }
      out.get(key)!.GalaxyCluster.push(hit
        ? { ...clusterDocument(hit.cluster), tag_name: c.tagName, local: c.local }
        : { type: c.type, value: c.value, tag_name: c.tagName, local: c.local, meta: {} });
    }
  }
  return [...out.values()];
}

/**
 * An item's galaxies as MISP's views list them, from its `misp-galaxy:` tags: one entry per galaxy
 * with its clusters. A tag naming a cluster the loaded libraries do not know (or a synonym of one they
 * do) still shows, with what the tag itself says.
 */
export async function galaxiesOf(store: Store, viewer: Viewer, tags: readonly TagRef[]) {
  const byType = galaxiesOfTags(tags);
  if (byType.size === 0) return [];
  return galaxyEntries(byType, await clustersOfTags(store, viewer, [...byType.values()].flat().map((c) => c.tagName)));
}

/**
 * An event document's attributes (loose and in objects) with their galaxies, from their `misp-galaxy:`
 * tags, as MISP's events/view gives them. The clusters of every attribute's tags are read at once: an
 * event of thousands of tagged attributes costs one lookup, not one each.
 */
export async function addAttributeGalaxies(store: Store, viewer: Viewer, event: Record<string, unknown>): Promise<void> {
  const list = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null) : []);
  const tagged: Array<{ attribute: Record<string, unknown>; byType: ReturnType<typeof galaxiesOfTags> }> = [];
  const names = new Set<string>();
  const visit = (a: Record<string, unknown>) => {
    if (!Array.isArray(a.Tag) || a.Tag.length === 0) return;
    const tags: TagRef[] = list(a.Tag).filter((t) => typeof t.name === 'string' && t.name.startsWith('misp-galaxy:'))
      .map((t) => ({ name: t.name as string, colour: null, local: t.local === true || t.local === 1 || t.local === '1', relationship_type: null }));
    if (tags.length === 0) return;
    const byType = galaxiesOfTags(tags);
    tagged.push({ attribute: a, byType });
    for (const clusters of byType.values()) for (const c of clusters) names.add(c.tagName);
  };
  for (const a of list(event.Attribute)) visit(a);
  for (const o of list(event.Object)) for (const a of list(o.Attribute)) visit(a);
  if (tagged.length === 0) return;
  const known = names.size > 0 ? await clustersOfTags(store, viewer, [...names]) : new Map() as KnownClusters;
  for (const { attribute, byType } of tagged) attribute.Galaxy = byType.size === 0 ? [] : galaxyEntries(byType, known);
}

export function templateDocument(id: number, template: ObjectTemplate) {
  return {
    id: String(id), user_id: '0', org_id: '0', uuid: template.uuid, name: template.name, description: template.description, version: String(template.version),
    'meta-category': template.metaCategory, fixed: true, active: true,
    requirements: { ...(template.required.length ? { required: template.required } : {}), ...(template.requiredOneOf.length ? { requiredOneOf: template.requiredOneOf } : {}) },
  };
}

/** A template's relations as MISP's objectTemplates/view lists them. */
export function templateElements(id: number, template: ObjectTemplate) {
  const raw = (template.definition.attributes ?? {}) as Record<string, Record<string, unknown>>;
  return Object.entries(raw).map(([relation, a], i) => ({
    id: String(i + 1), object_template_id: String(id), object_relation: relation, type: String(a['misp-attribute'] ?? ''),
    'ui-priority': String(a['ui-priority'] ?? 0), categories: Array.isArray(a.categories) ? a.categories : [],
    sane_default: Array.isArray(a.sane_default) ? a.sane_default : [], values_list: Array.isArray(a.values_list) ? a.values_list : [],
    description: String(a.description ?? ''), disable_correlation: a.disable_correlation === true, multiple: a.multiple === true,
  }));
}

export function noticelistDocument(id: number, enabled: boolean, n: Noticelist) {
  return { id: String(id), name: n.name, expanded_name: n.expandedName, ref: n.ref, geographical_area: n.geographicalArea, version: String(n.version), enabled };
}
