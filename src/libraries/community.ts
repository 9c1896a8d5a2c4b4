import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A sharing community of MISP's directory (community-metadata/defaults.json), as MISP publishes it. */
export interface Community {
  name: string;
  uuid: string;
  org_uuid: string;
  org_name: string;
  description: string;
  url: string;
  sector: string;
  nationality: string;
  type: string;
  email: string;
  logo: string;
  pgp_key: string;
  misp_project_vetted: boolean;
  scope_of_data_to_be_shared: string;
}

const TEXT_FIELDS = ['name', 'uuid', 'org_uuid', 'org_name', 'description', 'url', 'sector', 'nationality', 'type', 'email', 'logo', 'pgp_key',
  'scope_of_data_to_be_shared'] as const;

/** Reads MISP's community list; throws naming the file and the entry at fault. */
export function parseCommunities(doc: unknown, file: string): Community[] {
  if (!Array.isArray(doc)) throw new Error(`${file}: a community list is a JSON array`);
  return doc.map((raw: unknown, at) => {
    if (typeof raw !== 'object' || raw === null) throw new Error(`${file}: entry ${at} is not an object`);
    const r = raw as Record<string, unknown>;
    if (typeof r.name !== 'string' || typeof r.uuid !== 'string') throw new Error(`${file}: entry ${at} has no name or uuid`);
    const text = Object.fromEntries(TEXT_FIELDS.map((f) => [f, typeof r[f] === 'string' ? r[f] : ''])) as Record<(typeof TEXT_FIELDS)[number], string>;
    return { ...text, misp_project_vetted: r.misp_project_vetted === true };
  });
}

/**
 * The community list in the first of the library folders that holds one: `community-metadata/defaults.json`
 * under it (as in MISP's files folder), or `defaults.json` in a folder named community-metadata. Read at
 * each call, as MISP reads its file, so that an operator's update shows at once; empty when none holds one.
 */
export async function readCommunities(dirs: readonly string[]): Promise<Community[]> {
  for (const dir of dirs) {
    const file = [join(dir, 'community-metadata', 'defaults.json'), ...(/community-metadata\/?$/.test(dir) ? [join(dir, 'defaults.json')] : [])]
      .find((f) => existsSync(f));
    if (!file) continue;
    let doc: unknown;
    try {
      doc = JSON.parse(await readFile(file, 'utf8'));
    } catch (err) {
      throw new Error(`${file}: not valid JSON: ${(err as Error).message}`);
    }
    return parseCommunities(doc, file);
  }
  return [];
}
