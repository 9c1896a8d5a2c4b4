import type { Transaction } from 'kysely';
import type { Libraries } from '../../libraries/directory.js';
import { clusterSynonyms, clusterTagName, type GalaxyCluster } from '../../libraries/galaxy.js';
import { bulkInsert } from '../db/bulk-insert.js';
import type { Store } from '../db/database.js';
import type { Database } from '../db/schema.js';
import { saveWarninglists } from './warninglists.js';
import { bumpGeneration } from '../generations.js';

export interface LibraryLoadCounts {
  taxonomies: number;
  galaxies: number;
  clusters: number;
  templates: number;
  noticelists: number;
  warninglists: number;
}

/**
 * Stores what a library directory held, in one transaction: a library already there (same namespace,
 * uuid or name) is replaced and keeps its id and its enabled state; a new taxonomy or noticelist
 * starts disabled (as in MISP, an administrator chooses which apply), a new warninglist enabled.
 */
export async function saveLibraries(store: Store, libs: Libraries): Promise<LibraryLoadCounts> {
  await store.db.transaction().execute(async (trx) => {
    for (const t of libs.taxonomies) {
      const row = { description: t.description, version: t.version, exclusive: t.exclusive ? 1 : 0, definition: JSON.stringify(t) };
      const done = await trx.updateTable('taxonomy').set(row).where('namespace', '=', t.namespace).executeTakeFirst();
      if (Number(done.numUpdatedRows) === 0) await trx.insertInto('taxonomy').values({ ...row, namespace: t.namespace, enabled: 0 }).execute();
    }
    for (const t of libs.templates) {
      const row = { uuid: t.uuid, version: t.version, meta_category: t.metaCategory, description: t.description, definition: JSON.stringify(t.definition) };
      const done = await trx.updateTable('object_template').set(row).where('name', '=', t.name).executeTakeFirst();
      if (Number(done.numUpdatedRows) === 0) await trx.insertInto('object_template').values({ ...row, name: t.name }).execute();
    }
    for (const n of libs.noticelists) {
      const row = { expanded_name: n.expandedName, version: n.version, definition: JSON.stringify(n) };
      const done = await trx.updateTable('noticelist').set(row).where('name', '=', n.name).executeTakeFirst();
      if (Number(done.numUpdatedRows) === 0) await trx.insertInto('noticelist').values({ ...row, name: n.name, enabled: 0 }).execute();
    }
    await saveGalaxies(store, trx, libs);
  });
  await bumpGeneration(store, 'libraries');
  // Warninglists have their own rules for what a reload keeps.
  if (libs.warninglists.length > 0) await saveWarninglists(store, libs.warninglists, true);
  return {
    taxonomies: libs.taxonomies.length, galaxies: libs.galaxies.length, clusters: libs.clusters.length,
    templates: libs.templates.length, noticelists: libs.noticelists.length, warninglists: libs.warninglists.length,
  };
}

async function saveGalaxies(store: Store, trx: Transaction<Database>, libs: Libraries): Promise<void> {
  const galaxyIds = new Map<string, number>();
  for (const g of libs.galaxies) {
    const row = { uuid: g.uuid, name: g.name, namespace: g.namespace, description: g.description, version: g.version, icon: g.icon,
      kill_chain_order: g.killChainOrder ? JSON.stringify(g.killChainOrder) : null };
    await trx.updateTable('galaxy').set(row).where('type', '=', g.type).execute();
    const found = await trx.selectFrom('galaxy').select('id').where('type', '=', g.type).executeTakeFirst();
    galaxyIds.set(g.type, found?.id ?? (await trx.insertInto('galaxy').values({ ...row, type: g.type }).returning('id').executeTakeFirstOrThrow()).id);
  }
  for (const c of libs.clusters) {
    if (!galaxyIds.has(c.type)) {
      const g = await trx.selectFrom('galaxy').select('id').where('type', '=', c.type).executeTakeFirst();
      if (!g) throw new Error(`the clusters of type "${c.type}" have no galaxy: load misp-galaxy's galaxies/ with its clusters/`);
      galaxyIds.set(c.type, g.id);
    }
  }
  const byGalaxy = new Map<number, GalaxyCluster[]>();
  for (const c of libs.clusters) {
    const id = galaxyIds.get(c.type)!;
    byGalaxy.set(id, [...(byGalaxy.get(id) ?? []), c]);
  }
  if (byGalaxy.size === 0) return;
  const galaxies = [...byGalaxy.keys()];
  // A reloaded cluster keeps its id, so that links made to it stay valid. Only library clusters are
  // replaced: those users made (custom = 1) stay as they are.
  const library = trx.selectFrom('galaxy_cluster').where('galaxy_id', 'in', galaxies).where('custom', '=', 0);
  const previous = new Map((await library.select(['id', 'uuid']).execute()).map((r) => [r.uuid, r.id]));
  await trx.deleteFrom('galaxy_cluster_name').where('cluster_id', 'in', library.select('id')).execute();
  await trx.deleteFrom('galaxy_cluster').where('galaxy_id', 'in', galaxies).where('custom', '=', 0).execute();
  const bulk = bulkInsert(store, trx);
  // The published clusters repeat a uuid now and then, within a galaxy or across two; the first one
  // stands, and one that a galaxy not reloaded here holds stays there.
  const seen = new Set((await trx.selectFrom('galaxy_cluster').select('uuid')
    .where((eb) => eb.or([eb('galaxy_id', 'not in', galaxies), eb('custom', '=', 1)])).execute()).map((r) => r.uuid));
  const known = [];
  const fresh = [];
  for (const [galaxyId, clusters] of byGalaxy) {
    for (const c of clusters) {
      if (seen.has(c.uuid)) continue;
      seen.add(c.uuid);
      const row = { uuid: c.uuid, galaxy_id: galaxyId, type: c.type, value: c.value, tag_name: clusterTagName(c.type, c.value), description: c.description,
        source: c.source, authors: JSON.stringify(c.authors), version: c.version, meta: JSON.stringify(c.meta), related: JSON.stringify(c.related) };
      const id = previous.get(c.uuid);
      if (id !== undefined) known.push({ id, ...row });
      else fresh.push(row);
    }
  }
  await bulk.all('galaxy_cluster', known);
  await bulk.all('galaxy_cluster', fresh);
  const ids = new Map((await trx.selectFrom('galaxy_cluster').select(['id', 'uuid']).where('galaxy_id', 'in', galaxies).where('custom', '=', 0).execute())
    .map((r) => [r.uuid, r.id]));
  const names = [];
  for (const clusters of byGalaxy.values()) {
    for (const c of clusters) {
      const id = ids.get(c.uuid);
      if (id === undefined) continue;
      names.push({ tag_name: clusterTagName(c.type, c.value), cluster_id: id, synonym: 0 });
      for (const s of clusterSynonyms(c)) names.push({ tag_name: clusterTagName(c.type, s), cluster_id: id, synonym: 1 });
    }
  }
  await bulk.all('galaxy_cluster_name', names);
}
