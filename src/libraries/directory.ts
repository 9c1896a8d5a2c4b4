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

/** Reads one library checkout (misp-taxonomies, misp-galaxy, misp-objects, misp-noticelist, misp-warninglists) into `into`. */
function readOne(dir: string, into: Libraries): void {
  for (const name of subdirs(dir)) {
    const file = join(dir, name, 'machinetag.json');
    if (existsSync(file)) into.taxonomies.push(parseTaxonomy(readJson(file), file));
  }
  if (isDir(join(dir, 'galaxies')) && isDir(join(dir, 'clusters'))) {
    for (const file of jsonFiles(join(dir, 'galaxies'))) into.galaxies.push(parseGalaxy(readJson(file), file));
    for (const file of jsonFiles(join(dir, 'clusters'))) into.clusters.push(...parseClusters(readJson(file), file).clusters);
  }
  if (isDir(join(dir, 'objects'))) {
    for (const name of subdirs(join(dir, 'objects'))) {
      const file = join(dir, 'objects', name, 'definition.json');
      if (existsSync(file)) into.templates.push(parseObjectTemplate(readJson(file), name, file));
    }
  }
  if (isDir(join(dir, 'lists'))) {
    for (const name of subdirs(join(dir, 'lists'))) {
      const file = join(dir, 'lists', name, 'list.json');
      if (!existsSync(file)) continue;
      const doc = readJson(file);
      // Noticelists and warninglists share the layout; a noticelist is the one with notices.
      if (typeof doc === 'object' && doc !== null && 'notice' in doc) into.noticelists.push(parseNoticelist(doc, file));
      else into.warninglists.push(parseWarninglist(doc, file));
    }
  }
}

/**
 * The libraries under DIR: DIR may be one library checkout or a directory holding several (such as
 * `../shared/data/misp`). Throws naming the file at fault; an empty result is an error too.
 */
export function readLibraries(dir: string): Libraries {
  if (!isDir(dir)) throw new Error(`${dir} is not a directory`);
  const out: Libraries = { taxonomies: [], galaxies: [], clusters: [], templates: [], noticelists: [], warninglists: [] };
  readOne(dir, out);
  for (const name of subdirs(dir)) readOne(join(dir, name), out);
  if (Object.values(out).every((l: unknown[]) => l.length === 0)) {
    throw new Error(`${dir} holds no MISP library (taxonomies, galaxies, object templates, noticelists or warninglists)`);
  }
  return out;
}
