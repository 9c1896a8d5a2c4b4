import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { decayFormula, decayParameters, type DecayFormula, type DecayParameters } from '../model/decaying-model.js';

/**
 * The decaying models MISP ships (the misp-decaying-models library: `models/*.json`), which MISP's
 * `decayingModel/update` reads from its files folder and Cairn from the operator's library folders.
 */
export interface LibraryDecayingModel {
  uuid: string;
  name: string;
  description: string;
  formula: DecayFormula;
  version: number;
  parameters: DecayParameters;
  attributeTypes: string[];
  ref: string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const texts = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x !== '') : []);

/** One model file's content; throws naming the file and its problem. */
export function parseDecayingModel(raw: unknown, where: string): LibraryDecayingModel {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${where}: not a JSON object`);
  const m = raw as Record<string, unknown>;
  const uuid = typeof m.uuid === 'string' ? m.uuid.toLowerCase() : '';
  if (!UUID.test(uuid)) throw new Error(`${where}: uuid must be a uuid`);
  if (typeof m.name !== 'string' || m.name.trim() === '') throw new Error(`${where}: no name`);
  const formula = decayFormula(m.formula ?? 'Polynomial');
  if (!formula) throw new Error(`${where}: unknown formula ${JSON.stringify(m.formula)}`);
  const parameters = decayParameters(m.parameters);
  if (typeof parameters === 'string') throw new Error(`${where}: ${parameters}`);
  const version = Number(m.version ?? 1);
  if (!Number.isInteger(version) || version < 0) throw new Error(`${where}: version must be a whole number`);
  return {
    uuid, name: m.name.trim(), description: typeof m.description === 'string' ? m.description.trim() : '', formula, version, parameters,
    attributeTypes: [...new Set(texts(m.attribute_types))], ref: texts(m.ref),
  };
}

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();

/**
 * The models in each folder: a folder may be the misp-decaying-models checkout itself or hold it (as a
 * folder of library checkouts does, `<dir>/misp-decaying-models/models/*.json`). Files in name order.
 * Throws naming the file at fault.
 */
export function readDecayingModels(dirs: readonly string[]): LibraryDecayingModel[] {
  const out: LibraryDecayingModel[] = [];
  for (const dir of dirs) {
    const folders = [join(dir, 'misp-decaying-models', 'models'), ...(basename(dir) === 'misp-decaying-models' ? [join(dir, 'models')] : [])];
    for (const folder of folders.filter(isDir)) {
      for (const name of readdirSync(folder).filter((n) => n.endsWith('.json')).sort()) {
        const file = join(folder, name);
        let doc: unknown;
        try {
          doc = JSON.parse(readFileSync(file, 'utf8'));
        } catch (err) {
          throw new Error(`${file}: not valid JSON: ${(err as Error).message}`);
        }
        out.push(parseDecayingModel(doc, file));
      }
    }
  }
  return out;
}
