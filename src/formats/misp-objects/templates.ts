import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MispObject } from '../../model/event.js';

/** What the report needs of an object template: its description. */
export type TemplateDescriptions = (name: string) => string | undefined;

export const NO_TEMPLATES: TemplateDescriptions = () => undefined;

/** One relation of a template: the attribute type it takes, and what else it allows. */
export interface TemplateRelation {
  type: string;
  multiple: boolean;
  /** The only values allowed, when the template lists them. */
  values?: string[];
}

export interface ObjectTemplate {
  name: string;
  uuid: string;
  version: number;
  description: string;
  metaCategory: string;
  relations: Map<string, TemplateRelation>;
  required: string[];
  requiredOneOf: string[];
}

function readTemplate(file: string, fallbackName: string): ObjectTemplate {
  let def: Record<string, unknown>;
  try {
    def = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`object template ${file} is not valid JSON: ${(err as Error).message}`);
  }
  const relations = new Map<string, TemplateRelation>();
  for (const [relation, raw] of Object.entries((def.attributes ?? {}) as Record<string, Record<string, unknown>>)) {
    relations.set(relation, {
      type: String(raw['misp-attribute'] ?? ''),
      multiple: raw.multiple === true,
      ...(Array.isArray(raw.values) ? { values: raw.values.map(String) } : {}),
    });
  }
  const strings = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
  return {
    name: typeof def.name === 'string' ? def.name : fallbackName,
    uuid: String(def.uuid ?? ''),
    version: Number(def.version ?? 0),
    description: String(def.description ?? ''),
    metaCategory: String(def['meta-category'] ?? ''),
    relations,
    required: strings(def.required),
    requiredOneOf: strings(def.requiredOneOf),
  };
}

/** Object templates by name, from a directory in the misp-objects layout (`objects/<name>/definition.json`, or `<name>/…` directly under DIR). */
export function loadObjectTemplates(dir: string): Map<string, ObjectTemplate> {
  const root = existsSync(join(dir, 'objects')) ? join(dir, 'objects') : dir;
  if (!existsSync(root)) throw new Error(`object template directory ${dir} does not exist`);
  const templates = new Map<string, ObjectTemplate>();
  for (const name of readdirSync(root)) {
    const file = join(root, name, 'definition.json');
    if (!existsSync(file)) continue;
    const t = readTemplate(file, name);
    templates.set(t.name, t);
  }
  return templates;
}

/** Reads object template descriptions, for the report. */
export function loadTemplateDescriptions(dir: string): TemplateDescriptions {
  const templates = loadObjectTemplates(dir);
  return (name) => templates.get(name)?.description || undefined;
}

/**
 * What in an object breaks its template, each as `relation: reason`: relations the template does not
 * have, attribute types other than the relation's, values outside the allowed ones, a relation given
 * twice that is not `multiple`, and missing `required` or `requiredOneOf` relations.
 */
export function templateBreaches(template: ObjectTemplate, object: Pick<MispObject, 'attributes'>): string[] {
  const out: string[] = [];
  const live = object.attributes.filter((a) => !a.deleted);
  const counts = new Map<string, number>();
  for (const a of live) {
    const relation = a.object_relation ?? '';
    counts.set(relation, (counts.get(relation) ?? 0) + 1);
    const r = template.relations.get(relation);
    if (!r) {
      out.push(`${relation}: the ${template.name} template has no such relation`);
      continue;
    }
    if (r.type && a.type !== r.type) out.push(`${relation}: takes a ${r.type} attribute, not ${a.type}`);
    if (r.values && !r.values.includes(a.value)) out.push(`${relation}: "${a.value}" is not one of ${r.values.join(', ')}`);
  }
  for (const [relation, n] of counts) if (n > 1 && template.relations.get(relation)?.multiple === false) out.push(`${relation}: may appear once only`);
  for (const relation of template.required) if (!counts.has(relation)) out.push(`${relation}: required by the ${template.name} template`);
  if (template.requiredOneOf.length > 0 && !template.requiredOneOf.some((r) => counts.has(r))) {
    out.push(`${template.requiredOneOf.join('|')}: the ${template.name} template needs at least one of them`);
  }
  return out;
}
