import { isCompositeType, splitComposite } from '../../model/types.js';
import type { Warninglist } from './format.js';
import { CidrMatcher, HostnameMatcher, SubstringMatcher } from './matchers.js';

export interface WarninglistHit {
  name: string;
  type: Warninglist['type'];
}

const URL_TYPES = new Set(['url', 'uri', 'link']);

/** The host a hostname list is checked against: a URL's host, an e-mail address's domain, or the value. */
function hostOf(type: string | undefined, value: string): string | undefined {
  if (type && URL_TYPES.has(type)) {
    const m = /^(?:[a-z][a-z0-9+.-]*:\/\/)?(?:[^@/?#]*@)?(\[[^\]]+\]|[^:/?#]+)/i.exec(value.trim());
    return m?.[1];
  }
  const at = value.lastIndexOf('@');
  return at >= 0 ? value.slice(at + 1) : value;
}

/** PHP-style `/pattern/flags`, as the lists write regular expressions; `g` means nothing for a test. */
function toRegExp(entry: string): RegExp | undefined {
  const m = /^\/(.*)\/([a-z]*)$/s.exec(entry);
  try {
    return m ? new RegExp(m[1]!, m[2]!.replace(/[^imsu]/g, '')) : new RegExp(entry);
  } catch {
    return undefined;
  }
}

/**
 * Every warninglist given, in lookup structures: one map for all string entries, one suffix map for
 * all hostnames, an Aho–Corasick automaton for all substrings, CIDR maps by prefix length, and the
 * (few) regular expressions. A check costs a handful of lookups whatever the lists' sizes.
 */
export class WarninglistIndex {
  private readonly strings = new Map<string, number[]>();
  private readonly hosts = new HostnameMatcher();
  private readonly substrings = new SubstringMatcher();
  private readonly cidrs = new CidrMatcher();
  private readonly regexes: Array<{ re: RegExp; list: number }> = [];
  private readonly applies: Array<Set<string>>;
  private readonly kinds = new Set<Warninglist['type']>();
  /** For each attribute type, the kinds of list that apply to it: the others need not be consulted. */
  private readonly kindsByType = new Map<string, Set<Warninglist['type']>>();
  private readonly mergedKinds = new Map<string, Set<Warninglist['type']>>();

  constructor(private readonly lists: readonly Warninglist[]) {
    this.applies = lists.map((l) => new Set(l.matchingAttributes));
    lists.forEach((l, i) => {
      this.kinds.add(l.type);
      for (const t of l.matchingAttributes) {
        let k = this.kindsByType.get(t);
        if (!k) this.kindsByType.set(t, (k = new Set()));
        k.add(l.type);
      }
      for (const entry of l.list) {
        switch (l.type) {
          case 'string': {
            const key = entry.toLowerCase();
            const at = this.strings.get(key);
            if (!at) this.strings.set(key, [i]);
            else if (!at.includes(i)) at.push(i);
            break;
          }
          case 'hostname':
            this.hosts.add(entry, i);
            break;
          case 'substring':
            this.substrings.add(entry, i);
            break;
          case 'cidr':
            this.cidrs.add(entry, i);
            break;
          case 'regex': {
            const re = toRegExp(entry);
            if (re) this.regexes.push({ re, list: i });
            break;
          }
        }
      }
    });
  }

  /** The kinds of list that apply to a type; a list matching `ALL` (MISP's default for one naming no type) applies to every type. */
  private kindsFor(type: string): Set<Warninglist['type']> | undefined {
    const all = this.kindsByType.get('ALL');
    if (!all) return this.kindsByType.get(type);
    let merged = this.mergedKinds.get(type);
    if (!merged) this.mergedKinds.set(type, (merged = new Set([...(this.kindsByType.get(type) ?? []), ...all])));
    return merged;
  }

  get size(): number {
    return this.lists.length;
  }

  /**
   * The lists a value is on. With an attribute type, only the lists that apply to that type are
   * consulted, and a composite value is checked part by part; without one, every list is.
   */
  check(value: string, type?: string): WarninglistHit[] {
    const kinds = type ? this.kindsFor(type) : this.kinds;
    if (!kinds) return [];
    const found = new Set<number>();
    const parts = type && isCompositeType(type) ? (splitComposite(type, value) ?? [value]) : [value];
    const types = type && isCompositeType(type) ? type.split('|') : [type];
    parts.forEach((part, i) => {
      const partType = types[i];
      if (kinds.has('string')) for (const l of this.strings.get(part.toLowerCase()) ?? []) found.add(l);
      if (kinds.has('hostname')) {
        const host = hostOf(partType, part);
        if (host) this.hosts.match(host, found);
      }
      if (kinds.has('substring')) this.substrings.match(part, found);
      if (kinds.has('cidr')) this.cidrs.match(part, found);
      if (kinds.has('regex')) for (const r of this.regexes) if (r.re.test(part)) found.add(r.list);
    });
    return [...found]
      .filter((i) => !type || this.applies[i]!.has(type) || this.applies[i]!.has('ALL'))
      .sort((a, b) => a - b)
      .map((i) => ({ name: this.lists[i]!.name, type: this.lists[i]!.type }));
  }
}
