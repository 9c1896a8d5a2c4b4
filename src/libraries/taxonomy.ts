/**
 * MISP taxonomies (the misp-taxonomies `machinetag.json` format): the tags they define, what each
 * means, and the exclusivity rules that say which of them may not be put on the same item.
 */

export interface TaxonomyValue {
  value: string;
  expanded?: string;
  description?: string;
  colour?: string;
  numericalValue?: number;
}

export interface TaxonomyPredicate extends TaxonomyValue {
  /** Only one value of this predicate on an item. */
  exclusive: boolean;
  entries: TaxonomyValue[];
}

export interface Taxonomy {
  namespace: string;
  description: string;
  version: number;
  /** Only one tag of this taxonomy on an item. */
  exclusive: boolean;
  predicates: TaxonomyPredicate[];
}

/** One tag a taxonomy defines, as MISP's taxonomy view lists it. */
export interface TaxonomyTag {
  tag: string;
  expanded: string;
  description: string;
  colour?: string;
  numericalValue?: number;
  exclusivePredicate: boolean;
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function valueOf(raw: Record<string, unknown>, where: string): TaxonomyValue {
  const value = raw.value;
  if (typeof value !== 'string' || value === '') throw new Error(`${where}: a value without a name`);
  const n = raw.numerical_value;
  return {
    value,
    ...(text(raw.expanded) ? { expanded: text(raw.expanded)! } : {}),
    ...(text(raw.description) ? { description: text(raw.description)! } : {}),
    ...(text(raw.colour) ? { colour: text(raw.colour)! } : {}),
    ...(typeof n === 'number' || (typeof n === 'string' && n.trim() !== '' && Number.isFinite(Number(n))) ? { numericalValue: Number(n) } : {}),
  };
}

/** A taxonomy from its `machinetag.json` content; throws naming the file's problem. */
export function parseTaxonomy(raw: unknown, where = 'taxonomy'): Taxonomy {
  if (typeof raw !== 'object' || raw === null) throw new Error(`${where}: not a JSON object`);
  const t = raw as Record<string, unknown>;
  const namespace = text(t.namespace);
  if (!namespace) throw new Error(`${where}: no namespace`);
  const list = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null) : []);
  const entries = new Map<string, TaxonomyValue[]>();
  for (const group of list(t.values)) {
    const predicate = text(group.predicate);
    if (!predicate) throw new Error(`${where}: a values block without its predicate`);
    entries.set(predicate, [...(entries.get(predicate) ?? []), ...list(group.entry).map((e) => valueOf(e, `${where} ${predicate}`))]);
  }
  const predicates = list(t.predicates).map((p) => {
    const v = valueOf(p, where);
    return { ...v, exclusive: p.exclusive === true, entries: entries.get(v.value) ?? [] };
  });
  return { namespace, description: text(t.description) ?? '', version: Number(t.version ?? 0) || 0, exclusive: t.exclusive === true, predicates };
}

/** Every tag the taxonomy defines: `ns:predicate="value"` for each entry, `ns:predicate` for a predicate without entries. */
export function taxonomyTags(t: Taxonomy): TaxonomyTag[] {
  const out: TaxonomyTag[] = [];
  for (const p of t.predicates) {
    const pName = p.expanded ?? p.value;
    if (p.entries.length === 0) {
      out.push({ tag: `${t.namespace}:${p.value}`, expanded: pName, description: p.description ?? '', exclusivePredicate: p.exclusive,
        ...(p.colour ? { colour: p.colour } : {}), ...(p.numericalValue !== undefined ? { numericalValue: p.numericalValue } : {}) });
      continue;
    }
    for (const e of p.entries) {
      out.push({ tag: `${t.namespace}:${p.value}="${e.value}"`, expanded: `${pName}: ${e.expanded ?? e.value}`, description: e.description ?? '',
        exclusivePredicate: p.exclusive, ...(e.colour ?? p.colour ? { colour: (e.colour ?? p.colour)! } : {}),
        ...(e.numericalValue !== undefined ? { numericalValue: e.numericalValue } : {}) });
    }
  }
  return out;
}

/** A tag name's parts: `ns:predicate="value"`, `ns:predicate`. */
export function splitTag(name: string): { namespace: string; predicate: string; value?: string } | undefined {
  const m = /^([^:="]+):([^="]+?)(?:="(.*)")?$/.exec(name);
  return m ? { namespace: m[1]!, predicate: m[2]!, ...(m[3] !== undefined ? { value: m[3] } : {}) } : undefined;
}

/** TLP 2.0 renamed WHITE to CLEAR (and PAP followed): an item may carry both, for readers of either version. */
const SAME_LABEL = new Map([['tlp:white', 'tlp:clear'], ['tlp:clear', 'tlp:white'], ['PAP:WHITE', 'PAP:CLEAR'], ['PAP:CLEAR', 'PAP:WHITE']]);

/** The rules of a set of taxonomies (the enabled ones), looked up by tag name. */
export class TaxonomyRules {
  private readonly byNamespace = new Map<string, Taxonomy>();
  private readonly tags = new Map<string, TaxonomyTag>();

  constructor(taxonomies: readonly Taxonomy[]) {
    for (const t of taxonomies) {
      this.byNamespace.set(t.namespace, t);
      for (const tag of taxonomyTags(t)) this.tags.set(tag.tag, tag);
    }
  }

  /** What a tag means, when an enabled taxonomy defines it. */
  describe(tagName: string): TaxonomyTag | undefined {
    return this.tags.get(tagName);
  }

  /** Why `tagName` may not join `present` on one item: the taxonomy or its predicate is exclusive and already used. */
  conflict(tagName: string, present: readonly string[]): string | undefined {
    const parts = splitTag(tagName);
    const t = parts && this.byNamespace.get(parts.namespace);
    if (!parts || !t) return undefined;
    const predicate = t.predicates.find((p) => p.value === parts.predicate);
    for (const other of present) {
      if (other === tagName || SAME_LABEL.get(tagName) === other) continue;
      const o = splitTag(other);
      if (!o || o.namespace !== parts.namespace) continue;
      if (t.exclusive) return `the ${t.namespace} taxonomy is exclusive: "${tagName}" cannot join "${other}"`;
      if (predicate?.exclusive && o.predicate === parts.predicate) {
        return `the ${t.namespace}:${parts.predicate} predicate is exclusive: "${tagName}" cannot join "${other}"`;
      }
    }
    return undefined;
  }
}
