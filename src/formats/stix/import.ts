import { isUuid } from '../../model/event.js';
import { uuidV5 } from './ids.js';
import { TAG_OF_MARKING } from './markings.js';
import { categoryOfPhase, customProperties, observablesAsObject, typeOfPath, patternAsObject, patternAttribute, patternEqualities, ruleText, str, strings, uuidOf, HASH_TYPES,
  type Json, type ValueAttribute } from './import-values.js';
import { mispDataOf } from './misp-extension.js';
import { missingRequired } from './required.js';

/** A STIX bundle read as MISP events (in MISP JSON, for the importer to check and store), and what had no place in them. */
export interface StixImport {
  events: Array<{ Event: Record<string, unknown> }>;
  /** The ids of the STIX objects each event holds (its report or grouping first), by event uuid. */
  members: Map<string, string[]>;
  /** Each object that could not be mapped, and why. */
  unmapped: Array<{ id: string; reason: string }>;
}

/** Cluster types by STIX object type, for objects that do not say their MISP galaxy. */
const GALAXY_OF: Record<string, string> = {
  'threat-actor': 'threat-actor', 'intrusion-set': 'mitre-intrusion-set', malware: 'mitre-malware', tool: 'mitre-tool',
  'attack-pattern': 'mitre-attack-pattern', 'course-of-action': 'mitre-course-of-action', campaign: 'campaign',
};

const seconds = (t: unknown) => (typeof t === 'string' && !Number.isNaN(Date.parse(t)) ? String(Math.floor(Date.parse(t) / 1000)) : undefined);

/** `misp:key="value"` labels, as MISP's converter writes them. */
function mispLabel(o: Json, key: string): string | undefined {
  for (const l of strings(o.labels)) {
    const m = /^misp:([a-z-]+)="(.*)"$/s.exec(l);
    if (m && m[1] === key) return m[2];
  }
  return undefined;
}

/** The `misp:` labels that say a MISP field; any other label is a tag (`misp:confidence-level="…"` is one). */
const FIELD_LABELS = /^misp:(type|category|to_ids|name|meta-category|tool|threat-level|analysis|date|distribution|galaxy-type)=/;

/**
 * The plain labels of an object and its TLP markings: its tags. MISP's converter marks its containers
 * with one more label that is no tag.
 */
const tagsOf = (o: Json) => [
  ...strings(o.labels).filter((l) => !FIELD_LABELS.test(l) && !(l === 'Threat-Report' && (o.type === 'report' || o.type === 'grouping'))),
  ...strings(o.object_marking_refs).map((m) => TAG_OF_MARKING.get(m)).filter((t): t is string => !!t),
].map((name) => ({ name }));

/** The galaxy tag a threat-actor, malware, tool… stands for: the one MISP's converter labelled it with, or one made from its type and name. */
function clusterTag(o: Json): string | undefined {
  const galaxyType = GALAXY_OF[String(o.type)];
  if (!galaxyType && o.type !== 'x-misp-galaxy-cluster') return undefined;
  const own = strings(o.labels).find((l) => l.startsWith('misp-galaxy:'));
  const type = mispLabel(o, 'galaxy-type') ?? galaxyType ?? String(o.x_misp_type);
  return own ?? `misp-galaxy:${type}="${String(o.name ?? o.x_misp_value)}"`;
}

/** A MISP object being rebuilt: its JSON, and the STIX ids that stand for it. */
type ObjectJson = Json & { Attribute: Json[]; ObjectReference?: Json[] };

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
  /** The observed data each indicator is based on (MISP's converter writes both for one attribute or object). */
  private readonly basedOn = new Map<string, string>();
  /** Observed data an indicator stands for: read with it, never on its own. */
  private readonly pairedObservations = new Set<string>();
  /** The MISP objects built, by the STIX ids of the objects they came from, for relationships to find them. */
  readonly objectsById = new Map<string, ObjectJson>();
  /** The uuid of the MISP attribute or object each STIX id became. */
  readonly itemUuidOf = new Map<string, string>();
  /** Objects Cairn's extension gave whole, references included. */
  private readonly exact = new Set<ObjectJson>();

  constructor(objects: Json[]) {
    for (const o of objects) if (typeof o.id === 'string') this.byId.set(o.id, o);
    for (const s of objects) {
      if (s.type === 'sighting' && typeof s.sighting_of_ref === 'string') this.sightings.set(s.sighting_of_ref, [...(this.sightings.get(s.sighting_of_ref) ?? []), s]);
    }
    for (const r of objects) {
      if (r.type !== 'relationship') continue;
      const target = this.byId.get(String(r.target_ref));
      const source = this.byId.get(String(r.source_ref));
      if (r.relationship_type === 'based-on' && source?.type === 'indicator' && target?.type === 'observed-data') {
        this.basedOn.set(String(source.id), String(target.id));
        this.pairedObservations.add(String(target.id));
        this.used.add(String(r.id));
        continue;
      }
      const tag = target && clusterTag(target);
      if (!tag || !source || clusterTag(source)) continue;
      this.linkedTags.set(String(source.id), [...(this.linkedTags.get(String(source.id)) ?? []), tag]);
      this.linkedClusters.add(String(target.id));
      this.used.add(String(r.id));
    }
    // Without the relationship, the same uuid says the same: MISP's converter gives both the attribute's uuid.
    for (const o of objects) {
      if (o.type !== 'indicator' || this.basedOn.has(String(o.id))) continue;
      const twin = `observed-data--${uuidOf(String(o.id))}`;
      if (this.byId.has(twin)) {
        this.basedOn.set(String(o.id), twin);
        this.pairedObservations.add(twin);
      }
    }
  }

  private ref(id: unknown): Json | undefined {
    return typeof id === 'string' ? this.byId.get(id) : undefined;
  }

  /** The MISP attribute an observed cyber-observable is, when there is one. */
  private observableAttribute(o: Json, hint: string | undefined): { type: string; value: string; data?: string } | undefined {
    const value = (x: unknown) => (x === undefined ? undefined : String(x));
    switch (o.type) {
      case 'domain-name': {
        const ip = value(this.ref(strings(o.resolves_to_refs)[0])?.value);
        return hint === 'domain|ip' && ip ? { type: 'domain|ip', value: `${String(o.value)}|${ip}` } : { type: hint === 'hostname' ? 'hostname' : 'domain', value: String(o.value) };
      }
      case 'ipv4-addr': case 'ipv6-addr': return { type: hint === 'ip-src' ? 'ip-src' : 'ip-dst', value: String(o.value) };
      case 'url': return { type: hint === 'link' || hint === 'uri' ? hint : 'url', value: String(o.value) };
      case 'email-addr': return { type: hint === 'email-src' || hint === 'email-dst' || hint === 'target-email' ? hint : 'email', value: String(o.value) };
      case 'mutex': return { type: 'mutex', value: String(o.name) };
      case 'mac-addr': return { type: 'mac-address', value: String(o.value) };
      case 'autonomous-system': return { type: 'AS', value: String(o.number) };
      case 'user-account': return o.account_login === undefined ? undefined : { type: hint ?? 'text', value: String(o.account_login) };
      case 'windows-registry-key': {
        const data = (o.values as Json[] | undefined)?.[0]?.data;
        return hint === 'regkey|value' && data !== undefined ? { type: hint, value: `${String(o.key)}|${String(data)}` } : { type: 'regkey', value: String(o.key) };
      }
      case 'network-traffic': {
        const side = o.src_ref && !o.dst_ref ? 'src' : 'dst';
        const target = this.ref(o[`${side}_ref`]);
        const ip = value(target?.value);
        const port = o[`${side}_port`];
        if (!ip) return undefined;
        if (target?.type === 'domain-name') return hint === 'hostname|port' && port !== undefined ? { type: hint, value: `${ip}|${String(port)}` } : { type: 'hostname', value: ip };
        return hint?.endsWith('|port') && port !== undefined ? { type: `ip-${side}|port`, value: `${ip}|${String(port)}` } : { type: `ip-${side}`, value: ip };
      }
      case 'email-message': {
        if (hint === 'email-subject' && o.subject !== undefined) return { type: hint, value: String(o.subject) };
        if (hint === 'email-attachment') {
          const file = this.ref((o.body_multipart as Json[] | undefined)?.[0]?.body_raw_ref);
          if (file?.name !== undefined) return { type: hint, value: String(file.name) };
        }
        const from = value(this.ref(o.from_ref)?.value);
        if (from && hint !== 'email-dst') return { type: 'email-src', value: from };
        const to = value(this.ref(strings(o.to_refs)[0])?.value);
        return to ? { type: 'email-dst', value: to } : o.subject ? { type: 'email-subject', value: String(o.subject) } : undefined;
      }
      case 'x509-certificate': {
        const [k, hash] = Object.entries((o.hashes ?? {}) as Record<string, string>)[0] ?? [];
        const type = k ? ({ MD5: 'x509-fingerprint-md5', 'SHA-1': 'x509-fingerprint-sha1', 'SHA-256': 'x509-fingerprint-sha256' } as Record<string, string>)[k.toUpperCase()] : undefined;
        return type && hash ? { type, value: hash } : undefined;
      }
      case 'artifact': {
        const name = str(o.x_misp_filename) ?? '';
        const md5 = (o.hashes as Record<string, string> | undefined)?.MD5;
        const data = str(o.payload_bin);
        if (hint === 'malware-sample' && md5) return { type: hint, value: `${name}|${md5}`, ...(data ? { data } : {}) };
        return { type: 'attachment', value: name, ...(data ? { data } : {}) };
      }
      case 'file': {
        const hashes = (o.hashes ?? {}) as Record<string, string>;
        const name = str(o.name);
        const hashOf = (type: string | undefined) => Object.entries(hashes).find(([k]) => HASH_TYPES.get(k.toUpperCase()) === type)?.[1];
        if (hint?.startsWith('filename|')) {
          const hash = hashOf(hint.slice(9));
          return name !== undefined && hash ? { type: hint, value: `${name}|${hash}` } : undefined;
        }
        if (hint === 'malware-sample' || hint === 'attachment') {
          const artifact = this.ref(o.content_ref);
          const data = str(artifact?.payload_bin);
          const md5 = hashes.MD5 ?? (artifact?.hashes as Record<string, string> | undefined)?.MD5;
          if (hint === 'malware-sample') return name !== undefined && md5 ? { type: hint, value: `${name}|${md5}`, ...(data ? { data } : {}) } : undefined;
          return name !== undefined ? { type: hint, value: name, ...(data ? { data } : {}) } : undefined;
        }
        const own = hint ? hashOf(hint) : undefined;
        if (own) return { type: hint!, value: own };
        const [key, hash] = Object.entries(hashes)[0] ?? [];
        const hashType = key ? HASH_TYPES.get(key.toUpperCase()) : undefined;
        if (hashType && hash && name === undefined) return { type: hashType, value: hash };
        return name !== undefined ? { type: 'filename', value: name } : undefined;
      }
      default: return undefined;
    }
  }

  /** Tags of an item from all the STIX objects that stand for it, each once. */
  private tagsOfAll(...objects: Json[]): Array<{ name: string }> {
    const names = new Set<string>();
    for (const o of objects) {
      for (const t of tagsOf(o)) names.add(t.name);
      for (const t of this.linkedTags.get(String(o.id)) ?? []) names.add(t);
    }
    return [...names].map((name) => ({ name }));
  }

  /** One STIX object as MISP attributes (into `attributes`), objects or tags (into `tags`); false when it has no MISP form. */
  item(o: Json, attributes: Json[], objects: Json[], tags: Array<{ name: string }>): boolean {
    const id = String(o.id);
    if (this.pairedObservations.has(id)) return true;
    const observed = o.type === 'indicator' ? this.ref(this.basedOn.get(id)) : undefined;
    if (observed) this.used.add(String(observed.id));
    const parts = observed ? [o, observed] : [o];
    for (const p of parts) this.sightingsOf(String(p.id));
    // Cairn's own export carries the MISP item whole: it comes back exactly, its observables with it.
    if (mispDataOf(o, 'attribute') || mispDataOf(o, 'object')) for (const p of parts) for (const r of strings(p.object_refs)) this.used.add(r);
    const ownAttribute = mispDataOf(o, 'attribute');
    if (ownAttribute) {
      attributes.push(ownAttribute);
      this.itemUuidOf.set(id, String(ownAttribute.uuid));
      return true;
    }
    const ownObject = mispDataOf(o, 'object');
    if (ownObject) {
      objects.push(ownObject);
      this.objectsById.set(id, ownObject as ObjectJson);
      this.exact.add(ownObject as ObjectJson);
      this.itemUuidOf.set(id, String(ownObject.uuid));
      return true;
    }
    const hint = mispLabel(o, 'type');
    const category = mispLabel(o, 'category') ?? categoryOfPhase((o.kill_chain_phases as Json[] | undefined)?.find((k) => k.kill_chain_name === 'misp-category')?.phase_name as string | undefined);
    const toIdsLabel = mispLabel(o, 'to_ids');
    const uuid = isUuid(uuidOf(id)) ? uuidOf(id) : undefined;
    const base = (a: { type: string; value: string; data?: string }, toIds: boolean): Json => ({
      uuid, type: a.type, value: a.value, ...(a.data !== undefined ? { data: a.data } : {}),
      to_ids: toIdsLabel !== undefined ? toIdsLabel === 'True' : toIds, ...(category ? { category } : {}),
      ...(str(o.description) ? { comment: o.description } : {}), timestamp: seconds(o.modified),
      Tag: this.tagsOfAll(...parts),
      Sighting: parts.flatMap((p) => this.sightingsOf(String(p.id))),
    });
    const add = (a: Json) => {
      attributes.push(a);
      for (const p of parts) this.itemUuidOf.set(String(p.id), String(a.uuid ?? ''));
    };
    const objectName = mispLabel(o, 'name');
    if (objectName && o.type === 'vulnerability') {
      const built: ObjectJson = { uuid, name: objectName, 'meta-category': mispLabel(o, 'meta-category') ?? '', comment: '', timestamp: seconds(o.modified),
        Attribute: [{ object_relation: 'id', type: 'vulnerability', value: String(o.name) }, ...(str(o.description) ? [{ object_relation: 'summary', type: 'text', value: o.description }] : []),
          ...observablesAsObject(objectName, [{ ...o, type: 'x-misp-properties' }], this.byId)] };
      objects.push(built);
      this.objectsById.set(id, built);
      this.itemUuidOf.set(id, String(uuid ?? ''));
      return true;
    }
    if (objectName && (o.type === 'indicator' || o.type === 'observed-data')) {
      const built = this.misObject(o, observed, objectName);
      if (!built) return false;
      objects.push(built);
      for (const p of parts) {
        this.objectsById.set(String(p.id), built);
        this.itemUuidOf.set(String(p.id), String(built.uuid ?? ''));
      }
      return true;
    }
    switch (o.type) {
      case 'indicator': {
        const patternType = str(o.pattern_type) ?? 'stix';
        if (patternType !== 'stix') {
          if (!['snort', 'yara', 'sigma', 'suricata'].includes(patternType)) return false;
          add(base({ type: hint && hint !== 'stix2-pattern' ? hint : patternType, value: ruleText(patternType, String(o.pattern)) }, true));
          return true;
        }
        // The observed data says more than a pattern can (a file's name and hash, an attachment's content): read it first.
        const fromObservation = observed && this.observedAttribute(observed, hint);
        if (fromObservation && (!hint || fromObservation.type === hint)) {
          add(base(fromObservation, true));
          return true;
        }
        const mapped = patternAttribute(String(o.pattern), hint);
        if (typeof mapped === 'string') {
          if (!fromObservation) {
            this.unmapped.push({ id, reason: mapped });
            return true;
          }
          add(base(fromObservation, true));
          return true;
        }
        add(base(mapped, true));
        return true;
      }
      case 'observed-data': {
        const mapped = this.observedAttribute(o, hint);
        if (!mapped) return false;
        add(base(mapped, false));
        return true;
      }
      case 'vulnerability':
        add(base({ type: 'vulnerability', value: String(o.name) }, false));
        return true;
      case 'x-misp-attribute':
        add({ ...base({ type: String(o.x_misp_type), value: String(o.x_misp_value) }, false), category: o.x_misp_category, comment: o.x_misp_comment ?? '',
          ...(o.x_misp_data !== undefined ? { data: o.x_misp_data } : {}) });
        return true;
      case 'x-misp-object': {
        const built: ObjectJson = { uuid: uuidOf(id), name: o.x_misp_name, 'meta-category': o.x_misp_meta_category, comment: o.x_misp_comment ?? '',
          timestamp: seconds(o.modified), Attribute: (o.x_misp_attributes as Json[] | undefined) ?? [] };
        objects.push(built);
        this.objectsById.set(id, built);
        this.itemUuidOf.set(id, uuidOf(id));
        return true;
      }
      default: {
        const tag = clusterTag(o);
        if (!tag) return false;
        if (!this.linkedClusters.has(id)) tags.push({ name: tag });
        return true;
      }
    }
  }

  /** The attribute the observables of observed data stand for. */
  private observedAttribute(o: Json, hint: string | undefined): { type: string; value: string; data?: string } | undefined {
    const refs = strings(o.object_refs).map((r) => this.byId.get(r)).filter((x): x is Json => x !== undefined);
    for (const r of refs) this.used.add(String(r.id));
    const main = refs.find((r) => !refs.some((other) => other !== r && Object.values(other).flat().includes(r.id))) ?? refs[0];
    return main && this.observableAttribute(main, hint);
  }

  /**
   * A MISP object from its indicator, its observed data or both. The observed data holds every attribute
   * (hashes, size, custom properties); the indicator's pattern says which of them are for detection.
   */
  private misObject(o: Json, observed: Json | undefined, name: string): ObjectJson | undefined {
    const observation = o.type === 'observed-data' ? o : observed;
    let parts: ValueAttribute[] | undefined;
    const patternType = str(o.pattern_type) ?? 'stix';
    // A rule object (yara, sigma, snort, suricata): the rule is its detection attribute, custom properties the rest.
    if (o.type === 'indicator' && name === 'stix2-pattern') parts = [{ object_relation: 'stix2-pattern', type: 'stix2-pattern', value: String(o.pattern), to_ids: true },
      ...(str(o.pattern_version) ? [{ object_relation: 'version', type: 'text', value: `STIX ${String(o.pattern_version)}`, to_ids: false }] : [])];
    else if (o.type === 'indicator' && patternType !== 'stix') {
      parts = [{ object_relation: patternType, type: patternType, value: ruleText(patternType, String(o.pattern)), to_ids: true },
        ...customProperties(o).map((a) => ({ ...a, to_ids: false }))];
    }
    if (observation && !parts) {
      const scos = strings(observation.object_refs).map((r) => this.byId.get(r)).filter((x): x is Json => x !== undefined);
      for (const s of scos) this.used.add(String(s.id));
      parts = observablesAsObject(name, scos, this.byId);
      if (!parts.length) parts = undefined;
    }
    const indicator = o.type === 'indicator' ? o : undefined;
    // A file's name may be its hash: there the path says which of the two is for detection.
    const equal = indicator && patternType === 'stix' ? patternEqualities(String(indicator.pattern)) ?? [] : [];
    const sample = equal.some((p) => p.objectType === 'file' && p.steps[0] === 'content_ref');
    const detected = new Set(equal.filter((p) => !(p.objectType === 'file' && p.steps[0] === 'content_ref'))
      .map((p) => (p.objectType === 'file' && typeOfPath(p.objectType, p.steps) ? `${typeOfPath(p.objectType, p.steps)}|${p.value}` : p.value)));
    const isDetected = (a: ValueAttribute) => (a.type === 'malware-sample' ? sample : detected.has(`${a.type}|${a.value}`) || detected.has(a.value) || a.value.split('|').some((v) => detected.has(v)));
    parts ??= indicator ? patternAsObject(String(indicator.pattern)) : undefined;
    if (!parts) return undefined;
    const timestamp = seconds(o.modified);
    return {
      uuid: isUuid(uuidOf(String(o.id))) ? uuidOf(String(o.id)) : undefined, name, 'meta-category': mispLabel(o, 'meta-category') ?? '',
      comment: str(o.description) ?? '', timestamp,
      Attribute: parts.map((p) => ({
        ...p, timestamp, ...(p.to_ids === undefined ? { to_ids: indicator !== undefined && isDetected(p) } : {}),
      })),
    };
  }

  isUsed(id: string): boolean {
    return this.used.has(id);
  }

  markUsed(id: string): void {
    this.used.add(id);
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

  /**
   * Relationships between MISP objects and the items they point at, as MISP object references. A
   * relationship the object already holds (Cairn's own export carries its references) is not added twice.
   */
  references(): void {
    for (const r of this.byId.values()) {
      if (r.type !== 'relationship' || this.used.has(String(r.id))) continue;
      const source = this.objectsById.get(String(r.source_ref));
      const target = this.itemUuidOf.get(String(r.target_ref));
      if (!source || !target) continue;
      this.used.add(String(r.id));
      if (this.exact.has(source)) continue;
      const list = (source.ObjectReference ??= []);
      const type = String(r.relationship_type);
      if (list.some((x) => x.referenced_uuid === target && x.relationship_type === type)) continue;
      list.push({ ...(isUuid(uuidOf(String(r.id))) ? { uuid: uuidOf(String(r.id)) } : {}), referenced_uuid: target, relationship_type: type,
        timestamp: seconds(r.modified) ?? source.timestamp, comment: str(r.description) ?? '' });
    }
  }
}

/** Types that carry no event content of their own: they describe, mark, link or contain the rest. */
const CONTEXT_TYPES = new Set(['identity', 'marking-definition', 'relationship', 'sighting', 'report', 'grouping', 'extension-definition', 'language-content', 'note', 'opinion']);
const SCO_TYPES = new Set(['artifact', 'autonomous-system', 'directory', 'domain-name', 'email-addr', 'email-message', 'file', 'ipv4-addr', 'ipv6-addr',
  'mac-addr', 'mutex', 'network-traffic', 'process', 'software', 'url', 'user-account', 'windows-registry-key', 'x509-certificate']);

/**
 * The event fields a container holds: Cairn's extension when it is there, else what MISP's converter
 * writes (a report is a published event, a grouping an unpublished one; labels for the rest).
 */
function eventFields(at: Json, creator: Json | undefined): Json {
  const own = mispDataOf(at, 'event');
  if (own) {
    const { Attribute: _a, Object: _o, ...fields } = own;
    return fields;
  }
  const modified = str(at.modified) ?? str(at.created);
  const published = at.type === 'report' && str(at.published) !== undefined && modified !== undefined && Date.parse(String(at.published)) !== Date.parse(modified);
  const date = mispLabel(at, 'date') ?? (str(at.published) ?? str(at.created) ?? new Date().toISOString()).slice(0, 10);
  return {
    date, timestamp: seconds(modified), published, ...(published ? { publish_timestamp: seconds(at.published) } : {}),
    analysis: mispLabel(at, 'analysis') ?? '2', threat_level_id: mispLabel(at, 'threat-level') ?? '4',
    ...(mispLabel(at, 'distribution') !== undefined ? { distribution: mispLabel(at, 'distribution') } : {}),
    ...(creator?.name ? { Orgc: { name: creator.name, uuid: uuidOf(String(creator.id)) } } : {}),
  };
}

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
  const given = (single && (bundle as Json).type !== 'bundle' ? { objects: [bundle] } : bundle) as { id?: string; objects: Json[] };
  // An object without what STIX requires of it is refused by name, and read no further.
  const incomplete: StixImport['unmapped'] = [];
  const b = { ...given, objects: given.objects.filter((o) => {
    const missing = missingRequired(o);
    if (missing) incomplete.push({ id: String(o.id), reason: missing });
    return !missing;
  }) };
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
    const fields = eventFields(at, reader.byId.get(String(at.created_by_ref)));
    const tags = [...((fields.Tag as Array<{ name: string }> | undefined) ?? tagsOf(at))];
    // The container is the event: refused with it.
    const held: string[] = typeof at.id === 'string' ? [at.id] : [];
    for (const o of items) {
      if (!reader.item(o, attributes, objects, tags)) continue;
      placed.add(String(o.id));
      held.push(String(o.id));
    }
    members.set(uuid, held);
    // The first mention of a tag wins: the event's own list (with colours) comes before the clusters' names.
    const unique = [...new Map(tags.reverse().map((t) => [t.name, t])).values()].reverse();
    events.push({ Event: { uuid, info, ...fields, Tag: unique, Attribute: attributes, Object: objects } });
  };
  for (const c of containers) {
    const own = mispDataOf(c, 'event');
    const uuid = own && typeof own.uuid === 'string' ? own.uuid : isUuid(uuidOf(String(c.id))) ? uuidOf(String(c.id)) : stableUuid(String(c.id));
    build(uuid, str(c.name) ?? `STIX ${String(c.type)} ${String(c.id)}`, c, strings(c.object_refs).map((r) => reader.byId.get(r)).filter((x): x is Json => x !== undefined));
  }
  if (loose.length) build(stableUuid(b.id ?? JSON.stringify(loose.map((o) => o.id))), `STIX bundle ${b.id ?? ''}`.trim(), {}, loose);
  reader.references();
  const unmapped = [...incomplete, ...reader.unmapped];
  for (const o of b.objects) {
    const id = String(o.id);
    if (o.type === 'sighting' && !reader.isUsed(id)) unmapped.push({ id, reason: `a sighting of ${String(o.sighting_of_ref)}, which has no MISP attribute here` });
    if (placed.has(id) || CONTEXT_TYPES.has(String(o.type)) || (SCO_TYPES.has(String(o.type)) && reader.isUsed(id))) continue;
    // An observable only a container lists has no place; one nothing lists stands in for none.
    if (SCO_TYPES.has(String(o.type)) && !contained.has(id)) continue;
    unmapped.push({ id, reason: `no MISP equivalent for a ${String(o.type)}` });
  }
  for (const o of b.objects) {
    if (o.type !== 'relationship' || reader.isUsed(String(o.id))) continue;
    // Cairn's own export: the relationship stands for an object reference its MISP data already holds.
    if (reader.objectsById.get(String(o.source_ref))?.ObjectReference?.some((r) => reader.itemUuidOf.get(String(o.target_ref)) === r.referenced_uuid)) continue;
    unmapped.push({ id: String(o.id), reason: `a ${String(o.relationship_type)} relationship between items MISP cannot link (only an object may reference another item)` });
  }
  return { events, members, unmapped };
}

/** A uuid for a container whose STIX id holds none, the same on every import. */
function stableUuid(text: string): string {
  return uuidV5('7c9e2f4a-3b1d-5e6f-8a9b-0c1d2e3f4a5b', text);
}
