import { readLibraries, type Libraries, type LibraryKind } from '../../libraries/directory.js';
import type { Store } from '../../store/db/database.js';
import { saveLibraries } from '../../store/libraries/load.js';
import { galaxySignature, storedLibraryVersions } from '../../store/libraries/versions.js';
import { ServiceError } from '../errors.js';

/** The libraries of one kind a reload changed: those new to the store and those whose version moved. */
export interface LibraryUpdate {
  installed: string[];
  updated: string[];
}

/** Each library of the kind in what was read, by the key the store keeps it under, with its version signature. */
function signatures(libs: Libraries, kind: LibraryKind): Map<string, string> {
  switch (kind) {
    case 'taxonomies': return new Map(libs.taxonomies.map((t) => [t.namespace, String(t.version)]));
    case 'templates': return new Map(libs.templates.map((t) => [t.name, String(t.version)]));
    case 'noticelists': return new Map(libs.noticelists.map((n) => [n.name, String(n.version)]));
    case 'warninglists': return new Map(libs.warninglists.map((w) => [w.name, String(w.version)]));
    case 'galaxies': {
      // A galaxy whose clusters all stand under another galaxy (same uuids: MITRE's retired galaxies) keeps
      // none in the store, so it is reloaded each time: harmless, and MISP says "Galaxies updated." anyway.
      const clusters = new Map<string, number>();
      for (const c of libs.clusters) clusters.set(c.type, Math.max(clusters.get(c.type) ?? 0, c.version));
      return new Map(libs.galaxies.map((g) => [g.type, galaxySignature(g.version, clusters.get(g.type) ?? 0)]));
    }
  }
}

/** Only the libraries of `kind` named in `keep`. */
function only(libs: Libraries, kind: LibraryKind, keep: ReadonlySet<string>): Libraries {
  const none: Libraries = { taxonomies: [], galaxies: [], clusters: [], templates: [], noticelists: [], warninglists: [] };
  switch (kind) {
    case 'taxonomies': return { ...none, taxonomies: libs.taxonomies.filter((t) => keep.has(t.namespace)) };
    case 'templates': return { ...none, templates: libs.templates.filter((t) => keep.has(t.name)) };
    case 'noticelists': return { ...none, noticelists: libs.noticelists.filter((n) => keep.has(n.name)) };
    case 'warninglists': return { ...none, warninglists: libs.warninglists.filter((w) => keep.has(w.name)) };
    case 'galaxies': return { ...none, galaxies: libs.galaxies.filter((g) => keep.has(g.type)), clusters: libs.clusters.filter((c) => keep.has(c.type)) };
  }
}

/**
 * Reloads one kind of library from the folders the operator configured (CAIRN_LIBRARIES), as MISP's
 * `update` actions do from their library checkouts: a library new to the store or whose version changed
 * is stored (keeping its id and enabled state, as `cairn libraries load` does); the others are left as
 * they are. Throws a ServiceError when no folder is configured or the folders hold none of that kind.
 */
export async function updateLibraries(store: Store, dirs: readonly string[], kind: LibraryKind): Promise<LibraryUpdate> {
  if (dirs.length === 0) {
    throw new ServiceError('invalid', 'No library folder is configured on this instance: the operator sets CAIRN_LIBRARIES to the folders holding MISP\'s libraries (such as misp-taxonomies, misp-galaxy).');
  }
  let libs: Libraries;
  try {
    libs = readLibraries(dirs, [kind]);
  } catch (err) {
    throw new ServiceError('invalid', `The library folders could not be read: ${(err as Error).message}`);
  }
  const fresh = signatures(libs, kind);
  const stored = await storedLibraryVersions(store, kind);
  const installed = [...fresh.keys()].filter((k) => !stored.has(k));
  const updated = [...fresh.keys()].filter((k) => stored.has(k) && stored.get(k) !== fresh.get(k));
  if (installed.length + updated.length > 0) await saveLibraries(store, only(libs, kind, new Set([...installed, ...updated])));
  return { installed, updated };
}
