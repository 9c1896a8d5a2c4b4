import type { MispObject } from '../model/event.js';

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
  /** The `definition.json` as published, for the API's template view. */
  definition: Record<string, unknown>;
}

/** A template from its `definition.json` content. */
export function parseObjectTemplate(raw: unknown, fallbackName: string, where = 'object template'): ObjectTemplate {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${where}: not a JSON object`);
  const def = raw as Record<string, unknown>;
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
    definition: def,
  };
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
