import { sql } from 'kysely';
import type { LibraryKind } from '../../libraries/directory.js';
import type { Store } from '../db/database.js';

/**
 * What is stored of one kind of library, by its key (a taxonomy's namespace, a galaxy's type, the name of
 * a template, noticelist or warninglist), as a version signature: a reload compares it with the files'
 * to tell which libraries changed, by version as MISP does. A galaxy's signature also holds its clusters'
 * version, as misp-galaxy versions the clusters file apart from the galaxy.
 */
export async function storedLibraryVersions(store: Store, kind: LibraryKind): Promise<Map<string, string>> {
  const db = store.db;
  switch (kind) {
    case 'taxonomies':
      return new Map((await db.selectFrom('taxonomy').select(['namespace', 'version']).execute()).map((r) => [r.namespace, String(r.version)]));
    case 'templates':
      return new Map((await db.selectFrom('object_template').select(['name', 'version']).execute()).map((r) => [r.name, String(r.version)]));
    case 'noticelists':
      return new Map((await db.selectFrom('noticelist').select(['name', 'version']).execute()).map((r) => [r.name, String(r.version)]));
    case 'warninglists':
      return new Map((await db.selectFrom('warninglist').select(['name', 'version']).execute()).map((r) => [r.name, String(r.version)]));
    case 'galaxies': {
      const rows = await db.selectFrom('galaxy').leftJoin('galaxy_cluster', 'galaxy_cluster.galaxy_id', 'galaxy.id')
        .select(['galaxy.type', 'galaxy.version', sql<number | null>`max(galaxy_cluster.version)`.as('clusters_version')])
        .groupBy(['galaxy.type', 'galaxy.version']).execute();
      return new Map(rows.map((r) => [r.type, galaxySignature(r.version, Number(r.clusters_version ?? 0))]));
    }
  }
}

export function galaxySignature(version: number, clustersVersion: number): string {
  return `${version}/${clustersVersion}`;
}
