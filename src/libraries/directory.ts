import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseWarninglist, type Warninglist } from '../correlation/warninglists/format.js';
import { parseObjectTemplate, type ObjectTemplate } from './object-template.js';
import { parseClusters, parseGalaxy, type Galaxy, type GalaxyCluster } from './galaxy.js';
import { parseNoticelist, type Noticelist } from './noticelist.js';
import { parseTaxonomy, type Taxonomy } from './taxonomy.js';

/** What a directory of community libraries holds, in MISP's published formats. */
export interface Libraries {
  taxonomies: Taxonomy[];
  galaxies: Galaxy[];
  clusters: GalaxyCluster[];
  templates: ObjectTemplate[];
  noticelists: Noticelist[];
  warninglists: Warninglist[];
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: not valid JSON: ${(err as Error).message}`);
  }
}

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();
const subdirs = (dir: string) => readdirSync(dir).sort().filter((n) => isDir(join(dir, n)));
const jsonFiles = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.json')).sort().map((n) => join(dir, n));

/** The kinds of library, as `Libraries` names them. */
export type LibraryKind = 'taxonomies' | 'galaxies' | 'templates' | 'noticelists' | 'warninglists';
export const LIBRARY_KINDS: readonly LibraryKind[] = ['taxonomies', 'galaxies', 'templates', 'noticelists', 'warninglists'];

/**
 * Reads one library checkout (misp-taxonomies, misp-galaxy, misp-objects, misp-noticelist, misp-warninglists)
 * into `into`, only the kinds in `kinds` (a reload of taxonomies need not parse forty thousand clusters).
 */
function readOne(dir: string, into: Libraries, kinds: ReadonlySet<LibraryKind>): void {
  if (kinds.has('taxonomies')) for (const name of subdirs(dir)) {
    const file = join(dir, name, 'machinetag.json');
    if (existsSync(file)) into.taxonomies.push(parseTaxonomy(readJson(file), file));
  }
  if (kinds.has('galaxies') && isDir(join(dir, 'galaxies')) && isDir(join(dir, 'clusters'))) {
    for (const file of jsonFiles(join(dir, 'galaxies'))) into.galaxies.push(parseGalaxy(readJson(file), file));
    for (const file of jsonFiles(join(dir, 'clusters'))) into.clusters.push(...parseClusters(readJson(file), file).clusters);
  }
  if (kinds.has('templates') && isDir(join(dir, 'objects'))) {
    for (const name of subdirs(join(dir, 'objects'))) {
      const file = join(dir, 'objects', name, 'definition.json');
      if (existsSync(file)) into.templates.push(parseObjectTemplate(readJson(file), name, file));
    }
  }
  if ((kinds.has('noticelists') || kinds.has('warninglists')) && isDir(join(dir, 'lists'))) {
    for (const name of subdirs(join(dir, 'lists'))) {
      const file = join(dir, 'lists', name, 'list.json');
      if (!existsSync(file)) continue;
      const doc = readJson(file);
      // Noticelists and warninglists share the layout; a noticelist is the one with notices.
      if (typeof doc === 'object' && doc !== null && 'notice' in doc) {
        if (kinds.has('noticelists')) into.noticelists.push(parseNoticelist(doc, file));
      } else if (kinds.has('warninglists')) into.warninglists.push(parseWarninglist(doc, file));
    }
  }
}

const KIND_NAMES: Record<LibraryKind, string> = {
  taxonomies: 'taxonomies', galaxies: 'galaxies', templates: 'object templates', noticelists: 'noticelists', warninglists: 'warninglists',
};

/**
 * The libraries under each DIR: a DIR may be one library checkout or a directory holding several (such
 * as `../shared/data/misp`). Only the `kinds` given are read (all by default). Throws naming the file at
 * fault; finding none of the kinds asked for is an error too.
 */
export function readLibraries(dirs: string | readonly string[], kinds: readonly LibraryKind[] = LIBRARY_KINDS): Libraries {
  const wanted = new Set(kinds);
  const out: Libraries = { taxonomies: [], galaxies: [], clusters: [], templates: [], noticelists: [], warninglists: [] };
  const list = typeof dirs === 'string' ? [dirs] : dirs;
  for (const dir of list) {
    if (!isDir(dir)) throw new Error(`${dir} is not a directory`);
    readOne(dir, out, wanted);
    for (const name of subdirs(dir)) readOne(join(dir, name), out, wanted);
  }
  if (Object.values(out).every((l: unknown[]) => l.length === 0)) {
    throw new Error(`${list.join(', ')} ${list.length > 1 ? 'hold' : 'holds'} no MISP library (${kinds.map((k) => KIND_NAMES[k]).join(', ')})`);
  }
  return out;
}
