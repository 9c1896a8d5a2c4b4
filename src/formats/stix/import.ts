import { isUuid } from '../../model/event.js';
import { uuidV5 } from './ids.js';
import { HASH_KEYS } from './observables.js';
import { TAG_OF_MARKING } from './markings.js';
import { parsePattern, type Comparison, type Observation } from './pattern.js';

/** A STIX bundle read as MISP events (in MISP JSON, for the importer to check and store), and what had no place in them. */
export interface StixImport {
  events: Array<{ Event: Record<string, unknown> }>;
  /** The ids of the STIX objects each event holds, by event uuid. */
  members: Map<string, string[]>;
  /** Each object that could not be mapped, and why. */
  unmapped: Array<{ id: string; reason: string }>;
}

type Json = Record<string, unknown>;

const HASH_TYPES = new Map(Object.entries(HASH_KEYS).map(([type, key]) => [key.toUpperCase(), type]));
/** Cluster types by STIX object type, for objects that do not say their MISP galaxy. */
const GALAXY_OF: Record<string, string> = {
  'threat-actor': 'threat-actor', 'intrusion-set': 'mitre-intrusion-set', malware: 'mitre-malware', tool: 'mitre-tool',
  'attack-pattern': 'mitre-attack-pattern', 'course-of-action': 'mitre-course-of-action', campaign: 'campaign',
};

const uuidOf = (id: string) => id.slice(id.indexOf('--') + 2);
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const seconds = (t: unknown) => (typeof t === 'string' && !Number.isNaN(Date.parse(t)) ? String(Math.floor(Date.parse(t) / 1000)) : undefined);

/** `misp:key="value"` labels, as MISP's converter writes them. */
function mispLabel(o: Json, key: string): string | undefined {
  for (const l of strings(o.labels)) {
    const m = /^misp:([a-z-]+)="(.*)"$/.exec(l);
    if (m && m[1] === key) return m[2];
  }
  return undefined;
}

/** The plain labels of an object: its tags. */
const tagsOf = (o: Json) => strings(o.labels).filter((l) => !l.startsWith('misp:')).map((name) => ({ name }));

/** The MISP type of one comparison path (`file:hashes.'SHA-256'` → sha256), when it names a single value. */
function typeOfPath(objectType: string, steps: Array<string | number>): string | undefined {
  const path = steps.join('.');
  if (objectType === 'file' && steps[0] === 'hashes') return HASH_TYPES.get(String(steps[1]).toUpperCase());
  const direct: Record<string, string> = {
    'domain-name:value': 'domain', 'url:value': 'url', 'ipv4-addr:value': 'ip-dst', 'ipv6-addr:value': 'ip-dst', 'email-addr:value': 'email',
    'file:name': 'filename', 'mutex:name': 'mutex', 'windows-registry-key:key': 'regkey', 'mac-addr:value': 'mac-address',
    'autonomous-system:number': 'AS', 'email-message:from_ref.value': 'email-src', 'email-message:to_refs.*.value': 'email-dst',
    'email-message:subject': 'email-subject', 'network-traffic:dst_ref.value': 'ip-dst', 'network-traffic:src_ref.value': 'ip-src',
    'x509-certificate:hashes.MD5': 'x509-fingerprint-md5', 'x509-certificate:hashes.SHA-1': 'x509-fingerprint-sha1',
    'x509-certificate:hashes.SHA-256': 'x509-fingerprint-sha256', 'domain-name:resolves_to_refs.*.value': 'ip-dst',
  };
  return direct[`${objectType}:${path}`];
}

/** The `=` comparisons of a pattern that is one observation joined by AND, or undefined for anything richer. */
function equalities(o: Observation): Array<{ objectType: string; steps: Array<string | number>; value: string }> | undefined {
  if (o.kind !== 'observation' || o.qualifiers.length) return undefined;
  const flat: Comparison[] = [];
  const walk = (c: Comparison): boolean => {
    if (c.kind === 'and') return c.parts.every(walk);
    if (c.kind !== 'test' || c.op !== '=' || c.negated) return false;
    flat.push(c);
    return true;
  };
  if (!walk(o.comparison)) return undefined;
  const out = [];
  for (const c of flat) {
    if (c.kind !== 'test') return undefined;
    const v = c.value;
    if (v.kind !== 'string' && v.kind !== 'int') return undefined;
    // `network-traffic:dst_ref.type = 'ipv4-addr'` only says what the reference is.
    if (c.path.steps[c.path.steps.length - 1] === 'type' && c.path.steps.length === 2) continue;
    out.push({ objectType: c.path.objectType, steps: c.path.steps, value: String(v.value) });
  }
  return out;
}

/** An indicator's pattern as MISP attributes: one of a known type, or the pattern kept whole. */
function patternAttribute(pattern: string, hint: string | undefined): { type: string; value: string } | string {
  let tree: Observation;
  try {
    tree = parsePattern(pattern);
  } catch (err) {
    return `its pattern does not parse: ${(err as Error).message}`;
  }
  const parts = equalities(tree);
  if (parts && parts.length === 1) {
    const type = typeOfPath(parts[0]!.objectType, parts[0]!.steps);
    if (type) return { type: hint && hint.split('|').length === 1 ? hint : type, value: parts[0]!.value };
  }
  // A composite MISP type (filename|sha256, domain|ip, ip-dst|port) is its parts in the order they were written.
  if (parts && parts.length > 1 && hint?.includes('|') && hint.split('|').length === parts.length) return { type: hint, value: parts.map((p) => p.value).join('|') };
  return { type: 'stix2-pattern', value: pattern };
}

/** The galaxy tag a threat-actor, malware, tool… stands for: the one MISP's converter labelled it with, or one made from its type and name. */
function clusterTag(o: Json): string | undefined {
  const galaxyType = GALAXY_OF[String(o.type)];
  if (!galaxyType && o.type !== 'x-misp-galaxy-cluster') return undefined;
  const own = strings(o.labels).find((l) => l.startsWith('misp-galaxy:'));
  const type = mispLabel(o, 'galaxy-type') ?? galaxyType ?? String(o.x_misp_type);
  return own ?? `misp-galaxy:${type}="${String(o.name ?? o.x_misp_value)}"`;
}

/** The relation an attribute of this type has in MISP's usual objects (file, domain-ip, ip-port, network-connection, email, url). */
function relationOf(type: string, lastStep: string): string {
  if (lastStep === 'dst_port') return 'dst-port';
  if (lastStep === 'src_port') return 'src-port';
  const relations: Record<string, string> = { 'ip-dst': 'ip', 'email-src': 'from', 'email-dst': 'to', 'email-subject': 'subject' };
  return relations[type] ?? type;
}

class BundleReader {
  readonly byId = new Map<string, Json>();
  readonly unmapped: StixImport['unmapped'] = [];
  private readonly used = new Set<string>();
  /** STIX sightings by what they are sightings of. */
  private readonly sightings = new Map<string, Json[]>();

  /** Galaxy tags by the id of what points at them (an attribute's indicator or observed data). */
  private readonly linkedTags = new Map<string, string[]>();
  /** Clusters some item of the bundle points at: they are that item's tags, not the event's. */
  private readonly linkedClusters = new Set<string>();

  constructor(objects: Json[]) {
    for (const o of objects) if (typeof o.id === 'string') this.byId.set(o.id, o);
    for (const s of objects) {
      if (s.type === 'sighting' && typeof s.sighting_of_ref === 'string') this.sightings.set(s.sighting_of_ref, [...(this.sightings.get(s.sighting_of_ref) ?? []), s]);
    }
    for (const r of objects) {
      if (r.type !== 'relationship') continue;
      const target = this.byId.get(String(r.target_ref));
      const source = this.byId.get(String(r.source_ref));
      const tag = target && clusterTag(target);
      if (!tag || !source || clusterTag(source)) continue;
      this.linkedTags.set(String(source.id), [...(this.linkedTags.get(String(source.id)) ?? []), tag]);
      this.linkedClusters.add(String(target.id));
    }
  }

  private ref(id: unknown): Json | undefined {
    return typeof id === 'string' ? this.byId.get(id) : undefined;
  }

  /** The MISP attribute an observed cyber-observable is, when there is one. */
  private observableAttribute(o: Json, hint: string | undefined): { type: string; value: string } | undefined {
    const value = (x: unknown) => (x === undefined ? undefined : String(x));
    switch (o.type) {
      case 'domain-name': {
        const ip = value(this.ref(strings(o.resolves_to_refs)[0])?.value);
        return hint === 'domain|ip' && ip ? { type: 'domain|ip', value: `${String(o.value)}|${ip}` } : { type: hint === 'hostname' ? 'hostname' : 'domain', value: String(o.value) };
      }
      case 'ipv4-addr': case 'ipv6-addr': return { type: hint === 'ip-src' ? 'ip-src' : 'ip-dst', value: String(o.value) };
      case 'url': return { type: hint === 'link' || hint === 'uri' ? hint : 'url', value: String(o.value) };
      case 'email-addr': return { type: 'email', value: String(o.value) };
      case 'mutex': return { type: 'mutex', value: String(o.name) };
      case 'mac-addr': return { type: 'mac-address', value: String(o.value) };
      case 'autonomous-system': return { type: 'AS', value: String(o.number) };
      case 'windows-registry-key': {
        const data = (o.values as Json[] | undefined)?.[0]?.data;
        return hint === 'regkey|value' && data !== undefined ? { type: hint, value: `${String(o.key)}|${String(data)}` } : { type: 'regkey', value: String(o.key) };
      }
      case 'network-traffic': {
        const side = o.src_ref && !o.dst_ref ? 'src' : 'dst';
        const ip = value(this.ref(o[`${side}_ref`])?.value);
        const port = o[`${side}_port`];
        if (!ip) return undefined;
        return hint?.endsWith('|port') && port !== undefined ? { type: `ip-${side}|port`, value: `${ip}|${String(port)}` } : { type: `ip-${side}`, value: ip };
      }
      case 'email-message': {
        if (hint === 'email-subject' && o.subject) return { type: hint, value: String(o.subject) };
        const from = value(this.ref(o.from_ref)?.value);
        if (from && hint !== 'email-dst') return { type: 'email-src', value: from };
        const to = value(this.ref(strings(o.to_refs)[0])?.value);
        return to ? { type: 'email-dst', value: to } : o.subject ? { type: 'email-subject', value: String(o.subject) } : undefined;
      }
      case 'x509-certificate': {
        const [k, hash] = Object.entries((o.hashes ?? {}) as Record<string, string>)[0] ?? [];
        const type = k ? { MD5: 'x509-fingerprint-md5', 'SHA-1': 'x509-fingerprint-sha1', 'SHA-256': 'x509-fingerprint-sha256' }[k.toUpperCase()] : undefined;
        return type && hash ? { type, value: hash } : undefined;
      }
      case 'file': {
        const hashes = (o.hashes ?? {}) as Record<string, string>;
        const [key, hash] = Object.entries(hashes)[0] ?? [];
        const hashType = key ? HASH_TYPES.get(key.toUpperCase()) : undefined;
        const name = str(o.name);
        if (hint?.startsWith('filename|') || hint === 'malware-sample') return name && hash ? { type: hint, value: `${name}|${hash}` } : undefined;
        if (hashType && hash && (!name || hint === hashType)) return { type: hashType, value: hash };
        return name ? { type: hint === 'attachment' ? hint : 'filename', value: name } : undefined;
      }
      default: return undefined;
    }
  }

  /** One STIX object as MISP attributes (into `attributes`) or tags (into `tags`); false when it has no MISP form. */
  item(o: Json, attributes: Json[], objects: Json[], tags: Array<{ name: string }>): boolean {
    const id = String(o.id);
    const hint = mispLabel(o, 'type');
    const category = mispLabel(o, 'category') ?? (o.kill_chain_phases as Json[] | undefined)?.find((k) => k.kill_chain_name === 'misp-category')?.phase_name;
    const base = (type: string, value: string, toIds: boolean): Json => ({
      uuid: isUuid(uuidOf(id)) ? uuidOf(id) : undefined, type, value, to_ids: toIds, ...(category ? { category } : {}),
      ...(str(o.description) ? { comment: o.description } : {}), timestamp: seconds(o.modified),
      Tag: [...tagsOf(o), ...(this.linkedTags.get(id) ?? []).map((name) => ({ name }))],
      Sighting: this.sightingsOf(id),
    });
    const objectName = mispLabel(o, 'name');
    if (objectName && (o.type === 'indicator' || o.type === 'observed-data')) {
      const parts = this.objectAttributes(o);
      if (!parts) return false;
      objects.push({ uuid: isUuid(uuidOf(id)) ? uuidOf(id) : undefined, name: objectName, 'meta-category': mispLabel(o, 'meta-category') ?? '',
        comment: str(o.description) ?? '', timestamp: seconds(o.modified),
        Attribute: parts.map((p) => ({ ...p, to_ids: o.type === 'indicator', timestamp: seconds(o.modified) })) });
      return true;
    }
    switch (o.type) {
      case 'indicator': {
        const patternType = str(o.pattern_type) ?? 'stix';
        if (patternType !== 'stix') {
          if (!['snort', 'yara', 'sigma', 'suricata'].includes(patternType)) return false;
          attributes.push(base(patternType, String(o.pattern), true));
          return true;
        }
        const mapped = patternAttribute(String(o.pattern), hint);
        if (typeof mapped === 'string') {
          this.unmapped.push({ id, reason: mapped });
          return true;
        }
        attributes.push(base(mapped.type, mapped.value, true));
        return true;
      }
      case 'observed-data': {
        const refs = strings(o.object_refs).map((r) => this.byId.get(r)).filter((x): x is Json => x !== undefined);
        const main = refs[0];
        const mapped = main && this.observableAttribute(main, hint);
        if (!mapped) return false;
        for (const r of refs) this.used.add(String(r.id));
        attributes.push(base(mapped.type, mapped.value, false));
        return true;
      }
      case 'vulnerability':
        attributes.push(base('vulnerability', String(o.name), false));
        return true;
      case 'x-misp-attribute':
        attributes.push({ ...base(String(o.x_misp_type), String(o.x_misp_value), false), category: o.x_misp_category, comment: o.x_misp_comment ?? '' });
        return true;
      case 'x-misp-object':
        objects.push({ uuid: uuidOf(id), name: o.x_misp_name, 'meta-category': o.x_misp_meta_category, comment: o.x_misp_comment ?? '', Attribute: o.x_misp_attributes ?? [] });
        return true;
      default: {
        const tag = clusterTag(o);
        if (!tag) return false;
        if (!this.linkedClusters.has(id)) tags.push({ name: tag });
        return true;
      }
    }
  }

  /** A MISP object's attributes (relation, type, value) from its indicator's pattern or its observables. */
  private objectAttributes(o: Json): Array<{ object_relation: string; type: string; value: string }> | undefined {
    const out: Array<{ object_relation: string; type: string; value: string }> = [];
    if (o.type === 'indicator') {
      let parts;
      try {
        parts = equalities(parsePattern(String(o.pattern)));
      } catch {
        return undefined;
      }
      for (const p of parts ?? []) {
        const last = String(p.steps[p.steps.length - 1]);
        const type = typeOfPath(p.objectType, p.steps) ?? (last === 'dst_port' || last === 'src_port' ? 'port' : last === 'size' ? 'size-in-bytes' : undefined);
        if (!type) return undefined;
        out.push({ object_relation: relationOf(type, last), type, value: p.value });
      }
    } else {
      for (const ref of strings(o.object_refs)) {
        const sco = this.byId.get(ref);
        const a = sco && this.observableAttribute(sco, undefined);
        if (a) out.push({ object_relation: relationOf(a.type, ''), ...a });
        if (sco) this.used.add(ref);
      }
    }
    return out.length ? out : undefined;
  }

  isUsed(id: string): boolean {
    return this.used.has(id);
  }

  /** The sightings of an attribute's STIX object, as MISP sightings (one per sighting, dated by when it was last seen). */
  private sightingsOf(id: string): Json[] {
    return (this.sightings.get(id) ?? []).map((s) => {
      this.used.add(String(s.id));
      const where = this.ref(strings(s.where_sighted_refs)[0]);
      return {
        uuid: isUuid(uuidOf(String(s.id))) ? uuidOf(String(s.id)) : undefined, type: '0', source: '',
        date_sighting: seconds(s.last_seen) ?? seconds(s.first_seen) ?? seconds(s.created),
        ...(where?.type === 'identity' && where.name ? { Organisation: { name: where.name, uuid: uuidOf(String(where.id)) } } : {}),
      };
    });
  }
}

/** Types that carry no event content of their own: they describe, mark, link or contain the rest. */
const CONTEXT_TYPES = new Set(['identity', 'marking-definition', 'relationship', 'sighting', 'report', 'grouping', 'extension-definition', 'language-content', 'note', 'opinion']);
const SCO_TYPES = new Set(['artifact', 'autonomous-system', 'directory', 'domain-name', 'email-addr', 'email-message', 'file', 'ipv4-addr', 'ipv6-addr',
  'mac-addr', 'mutex', 'network-traffic', 'process', 'software', 'url', 'user-account', 'windows-registry-key', 'x509-certificate']);

/**
 * A STIX 2.1 bundle as MISP events: each report or grouping is an event holding what it refers to; what
 * no container refers to makes one more event, named after the bundle. Every object that finds no place
 * (a relationship, a location, a pattern that does not parse…) is listed in `unmapped`.
 */
export function stixToEvents(bundle: unknown): StixImport {
  const single = typeof bundle === 'object' && bundle !== null && typeof (bundle as Json).type === 'string' && /^[a-z0-9-]+--/.test(String((bundle as Json).id));
  if (!single && (typeof bundle !== 'object' || bundle === null || (bundle as Json).type !== 'bundle' || !Array.isArray((bundle as Json).objects))) {
    throw new Error('not a STIX bundle: expected {"type": "bundle", "objects": [...]}');
  }
  // One STIX object alone reads as a bundle of it.
  const b = (single && (bundle as Json).type !== 'bundle' ? { objects: [bundle] } : bundle) as { id?: string; objects: Json[] };
  const reader = new BundleReader(b.objects);
  const containers = b.objects.filter((o) => o.type === 'report' || o.type === 'grouping');
  const contained = new Set(containers.flatMap((c) => strings(c.object_refs)));
  const loose = b.objects.filter((o) => !contained.has(String(o.id)) && !CONTEXT_TYPES.has(String(o.type)) && !SCO_TYPES.has(String(o.type)));
  const events: StixImport['events'] = [];
  const members = new Map<string, string[]>();
  const placed = new Set<string>();
  const build = (uuid: string, info: string, at: Json, items: Json[]) => {
    const attributes: Json[] = [];
    const objects: Json[] = [];
    const tags = [...tagsOf(at), ...strings(at.object_marking_refs).map((m) => TAG_OF_MARKING.get(m)).filter((t): t is string => !!t).map((name) => ({ name }))];
    const held: string[] = [];
    for (const o of items) {
      if (!reader.item(o, attributes, objects, tags)) continue;
      placed.add(String(o.id));
      held.push(String(o.id));
    }
    members.set(uuid, held);
    const unique = [...new Map(tags.map((t) => [t.name, t])).values()];
    const creator = reader.byId.get(String(at.created_by_ref));
    const when = str(at.published) ?? str(at.created) ?? new Date().toISOString();
    events.push({ Event: {
      uuid, info, date: when.slice(0, 10), timestamp: seconds(at.modified) ?? seconds(when), published: false, analysis: '2', threat_level_id: mispLabel(at, 'threat-level') ?? '4',
      ...(creator?.name ? { Orgc: { name: creator.name, uuid: uuidOf(String(creator.id)) } } : {}),
      Tag: unique, Attribute: attributes, Object: objects,
    } });
  };
  for (const c of containers) {
    build(isUuid(uuidOf(String(c.id))) ? uuidOf(String(c.id)) : stableUuid(String(c.id)), str(c.name) ?? `STIX ${String(c.type)} ${String(c.id)}`, c,
      strings(c.object_refs).map((r) => reader.byId.get(r)).filter((x): x is Json => x !== undefined));
  }
  if (loose.length) build(stableUuid(b.id ?? JSON.stringify(loose.map((o) => o.id))), `STIX bundle ${b.id ?? ''}`.trim(), {}, loose);
  const unmapped = [...reader.unmapped];
  for (const o of b.objects) {
    const id = String(o.id);
    if (o.type === 'sighting' && !reader.isUsed(id)) unmapped.push({ id, reason: `a sighting of ${String(o.sighting_of_ref)}, which has no MISP attribute here` });
    if (placed.has(id) || CONTEXT_TYPES.has(String(o.type)) || (SCO_TYPES.has(String(o.type)) && reader.isUsed(id))) continue;
    // An observable only a container lists has no place; one nothing lists stands in for none.
    if (SCO_TYPES.has(String(o.type)) && !contained.has(id)) continue;
    unmapped.push({ id, reason: `no MISP equivalent for a ${String(o.type)}` });
  }
  for (const o of b.objects) if (o.type === 'relationship') unmapped.push({ id: String(o.id), reason: `relationships are not imported (${String(o.relationship_type)})` });
  return { events, members, unmapped };
}

/** A uuid for a container whose STIX id holds none, the same on every import. */
function stableUuid(text: string): string {
  return uuidV5('7c9e2f4a-3b1d-5e6f-8a9b-0c1d2e3f4a5b', text);
}
