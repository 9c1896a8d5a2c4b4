import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const WARNINGLIST_TYPES = ['string', 'substring', 'hostname', 'cidr', 'regex'] as const;
export type WarninglistType = (typeof WARNINGLIST_TYPES)[number];

/** A MISP warninglist (draft-dulaunoy-misp-warninglists-format). */
export interface Warninglist {
  name: string;
  description: string;
  version: number;
  type: WarninglistType;
  /** Attribute types the list applies to. */
  matchingAttributes: string[];
  list: string[];
}

/** Reads one warninglist document, naming the field at fault when it does not fit the format. */
export function parseWarninglist(doc: unknown, source: string): Warninglist {
  const fail = (field: string, reason: string): never => {
    throw new Error(`${source}: ${field} ${reason}`);
  };
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return fail('the document', 'is not a JSON object');
  const d = doc as Record<string, unknown>;
  const name = typeof d.name === 'string' && d.name.trim() ? d.name.trim() : fail('name', 'is missing');
  const type = d.type === undefined ? 'string' : d.type;
  if (typeof type !== 'string' || !(WARNINGLIST_TYPES as readonly string[]).includes(type)) {
    fail('type', `must be one of ${WARNINGLIST_TYPES.join(', ')}`);
  }
  if (!Array.isArray(d.list) || !d.list.every((e) => typeof e === 'string')) fail('list', 'must be an array of strings');
  const matching = d.matching_attributes ?? [];
  if (!Array.isArray(matching) || !matching.every((e) => typeof e === 'string')) fail('matching_attributes', 'must be an array of strings');
  return {
    name,
    description: typeof d.description === 'string' ? d.description : '',
    version: typeof d.version === 'number' ? d.version : Number(d.version ?? 0) || 0,
    type: type as WarninglistType,
    matchingAttributes: matching as string[],
    list: (d.list as string[]).map((e) => e.trim()).filter((e) => e !== ''),
  };
}

/** Every warninglist in a directory laid out as misp-warninglists (`lists/<name>/list.json`, or `<name>/list.json`). */
export function readWarninglistDirectory(dir: string): Warninglist[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`${dir} is not a directory`);
  const root = existsSync(join(dir, 'lists')) ? join(dir, 'lists') : dir;
  const out: Warninglist[] = [];
  for (const entry of readdirSync(root).sort()) {
    const file = join(root, entry, 'list.json');
    if (!existsSync(file)) continue;
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new Error(`${file}: not valid JSON: ${(err as Error).message}`);
    }
    out.push(parseWarninglist(doc, file));
  }
  if (out.length === 0) throw new Error(`${dir} holds no warninglist (expected lists/<name>/list.json)`);
  return out;
}
