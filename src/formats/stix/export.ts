import { randomUUID } from 'node:crypto';
import type { Attribute, MispEvent, MispObject, TagRef } from '../../model/event.js';
import { clusterOfTag } from '../../model/galaxy.js';
import { clusterObject, type KnownCluster } from './galaxies.js';
import { uuidV5 } from './ids.js';
import { TLP_MARKINGS } from './markings.js';
import { CAIRN_IDENTITY, EXTENSION_DEFINITIONS, mispExtensions, stixUuid } from './misp-extension.js';
import { serializeMispEvent } from '../misp-json/serialize.js';
import { objectObservable } from './misp-objects.js';
import { observableOf, RULE_TYPES, type Observable, type StixObject } from './observables.js';
import { parsePattern } from './pattern.js';

export interface StixExportOptions {
  /** The object that holds the event: a `report` (default) or a `grouping`. */
  container?: 'report' | 'grouping';
  /** What the loaded galaxies know of the clusters the event's tags name, by tag name. */
  clusters?: ReadonlyMap<string, KnownCluster>;
}

export interface StixBundle {
  type: 'bundle';
  id: string;
  objects: StixObject[];
}

/** Seconds since the epoch as a STIX timestamp, to the millisecond. */
export function stixTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

const CVE = /^CVE-\d{4}-\d{4,}$/i;

/** The relationship types STIX allows are lowercase words joined by hyphens. */
const relationshipType = (t: string) => t.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'related-to';

/** Builds the STIX objects of one event; objects shared between events (observables, markings) are kept once. */
class EventConverter {
  readonly objects = new Map<string, StixObject>();
  private readonly refs = new Set<string>();
  private readonly stixIdOf = new Map<string, string>();
  private readonly identity: string;
  /** The event's MISP JSON, and its attributes and objects by uuid: what Cairn's extension carries. */
  private readonly json: Record<string, unknown>;
  private readonly itemJson = new Map<string, Record<string, unknown>>();

  constructor(private readonly event: MispEvent, private readonly options: StixExportOptions) {
    this.identity = this.identityOf(event.orgc.uuid, event.orgc.name, event.timestamp);
    this.json = serializeMispEvent(event, { omitLocalTags: true }).Event;
    for (const a of this.json.Attribute as Array<Record<string, unknown>>) this.itemJson.set(String(a.uuid), a);
    for (const o of this.json.Object as Array<Record<string, unknown>>) {
      // What STIX leaves out (deleted items) the extension leaves out too.
      this.itemJson.set(String(o.uuid), { ...o, Attribute: (o.Attribute as Array<Record<string, unknown>>).filter((a) => !a.deleted),
        ObjectReference: (o.ObjectReference as Array<Record<string, unknown>>).filter((r) => !r.deleted) });
    }
    for (const d of [CAIRN_IDENTITY, ...EXTENSION_DEFINITIONS]) this.add(d, false);
  }

  private add(o: StixObject, referenced = true): void {
    if (!this.objects.has(o.id)) this.objects.set(o.id, o);
    if (referenced) this.refs.add(o.id);
  }

  private identityOf(uuid: string, name: string, timestamp: number): string {
    const id = `identity--${stixUuid(uuid)}`;
    this.add({ type: 'identity', spec_version: '2.1', id, created: stixTime(timestamp), modified: stixTime(timestamp), name, identity_class: 'organization' }, false);
    return id;
  }

  private common(timestamp: number) {
    return { spec_version: '2.1', created_by_ref: this.identity, created: stixTime(timestamp), modified: stixTime(timestamp) };
  }

  /** An item's tags as labels; galaxy tags are objects of their own, named among the labels of the event only (so that they return there on import). */
  private labels(tags: readonly TagRef[], own: string[], withGalaxies = false): string[] {
    return [...own, ...tags.filter((t) => !t.local && (withGalaxies || !clusterOfTag(t))).map((t) => t.name)];
  }

  /** The STIX object standing for a MISP value: an indicator when it is for detection, else observed data. */
  private valueObject(uuid: string, timestamp: number, toIds: boolean, observable: Observable | undefined, labels: string[], extra: Record<string, unknown>): StixObject | undefined {
    if (!observable) return undefined;
    const common = this.common(timestamp);
    if (toIds) {
      const pattern = `[${observable.comparisons.join(' AND ')}]`;
      parsePattern(pattern);
      return { type: 'indicator', id: `indicator--${uuid}`, ...common, pattern, pattern_type: 'stix', pattern_version: '2.1', valid_from: common.created, labels, ...extra };
    }
    if (observable.objects.length === 0) return undefined;
    for (const o of observable.objects) this.add(o);
    // Observed data has neither a description nor kill-chain phases in STIX 2.1: the comment and category travel in the labels and Cairn's extension.
    const { description: _description, kill_chain_phases: _phases, ...observedExtra } = extra;
    return { type: 'observed-data', id: `observed-data--${uuid}`, ...common, first_observed: common.created, last_observed: common.created, number_observed: 1,
      object_refs: observable.objects.map((o) => o.id), labels, ...observedExtra };
  }

  attribute(a: Attribute): void {
    const labels = this.labels(a.tags, [`misp:type="${a.type}"`, `misp:category="${a.category}"`, `misp:to_ids="${a.to_ids ? 'True' : 'False'}"`]);
    const uuid = stixUuid(a.uuid);
    const extensions = (custom: boolean) => mispExtensions('attribute', this.itemJson.get(a.uuid) ?? {}, custom);
    const extra = { ...(a.comment ? { description: a.comment } : {}), kill_chain_phases: [phase(a.category)], extensions: extensions(false) };
    let o: StixObject | undefined;
    if (a.type === 'vulnerability') {
      o = { type: 'vulnerability', id: `vulnerability--${uuid}`, extensions: extensions(false), ...this.common(a.timestamp), name: a.value, labels,
        ...(a.comment ? { description: a.comment } : {}), ...(CVE.test(a.value) ? { external_references: [{ source_name: 'cve', external_id: a.value.toUpperCase() }] } : {}) };
    } else if (RULE_TYPES[a.type] && (a.type !== 'stix2-pattern' || isPattern(a.value))) {
      o = { type: 'indicator', id: `indicator--${uuid}`, ...this.common(a.timestamp), pattern: a.value, pattern_type: RULE_TYPES[a.type],
        ...(a.type === 'stix2-pattern' ? { pattern_version: '2.1' } : {}), valid_from: stixTime(a.timestamp), labels, ...extra };
    } else {
      o = this.valueObject(uuid, a.timestamp, a.to_ids, observableOf(a.type, a.value), labels, extra);
    }
    o ??= { type: 'x-misp-attribute', id: `x-misp-attribute--${uuid}`, ...this.common(a.timestamp), labels, extensions: extensions(true),
      x_misp_type: a.type, x_misp_category: a.category, x_misp_value: a.value, ...(a.comment ? { x_misp_comment: a.comment } : {}) };
    this.add(o);
    this.stixIdOf.set(a.uuid, o.id);
    this.galaxyLinks(o, a.tags);
    for (const s of a.sightings) {
      if (s.type !== 0) continue;
      const where = s.org ? [this.identityOf(s.org.uuid, s.org.name, s.date_sighting)] : undefined;
      this.add({ type: 'sighting', id: `sighting--${stixUuid(s.uuid)}`, ...this.common(s.date_sighting), sighting_of_ref: o.id, count: 1,
        first_seen: stixTime(s.date_sighting), last_seen: stixTime(s.date_sighting), ...(where ? { where_sighted_refs: where } : {}) });
    }
  }

  object(m: MispObject): void {
    const live = m.attributes.filter((a) => !a.deleted);
    const labels = [`misp:name="${m.name}"`, `misp:meta-category="${m.meta_category}"`, `misp:to_ids="${live.some((a) => a.to_ids) ? 'True' : 'False'}"`];
    const uuid = stixUuid(m.uuid);
    const extensions = (custom: boolean) => mispExtensions('object', this.itemJson.get(m.uuid) ?? {}, custom);
    const extra = { ...(m.comment ? { description: m.comment } : {}), kill_chain_phases: [phase(m.meta_category || 'misc')], extensions: extensions(false) };
    const o = this.valueObject(uuid, m.timestamp, live.some((a) => a.to_ids), objectObservable(m), labels, extra)
      ?? { type: 'x-misp-object', id: `x-misp-object--${uuid}`, ...this.common(m.timestamp), labels, extensions: extensions(true),
        x_misp_name: m.name, x_misp_meta_category: m.meta_category,
        ...(m.comment ? { x_misp_comment: m.comment } : {}),
        ...(live.length === 0 ? {} : { x_misp_attributes: live.map((a) => ({ uuid: a.uuid, type: a.type, object_relation: a.object_relation, value: a.value, category: a.category, to_ids: a.to_ids,
          ...(a.comment ? { comment: a.comment } : {}) })) }) };
    this.add(o);
    this.stixIdOf.set(m.uuid, o.id);
    for (const a of live) {
      this.stixIdOf.set(a.uuid, o.id);
      this.galaxyLinks(o, a.tags);
    }
  }

  /** A cluster object per galaxy tag, kept once per bundle. */
  private cluster(tag: TagRef): StixObject | undefined {
    const c = clusterOfTag(tag);
    if (!c || tag.local) return undefined;
    const known = this.options.clusters?.get(tag.name);
    const o = clusterObject(tag.name, c.type, c.value, known, this.common(this.event.timestamp));
    this.add(o);
    if (known) this.stixIdOf.set(`cluster:${known.cluster.uuid}`, o.id);
    return o;
  }

  /** An attribute's galaxies: each cluster, and the relationship saying the attribute points to it. */
  private galaxyLinks(source: StixObject, tags: readonly TagRef[]): void {
    for (const t of tags) {
      const target = this.cluster(t);
      if (!target) continue;
      this.relationship(source.type === 'indicator' ? 'indicates' : 'related-to', source.id, target.id);
    }
  }

  private relationship(type: string, source: string, target: string): void {
    // The same link in the same event keeps its id from one export to the next.
    const id = `relationship--${uuidV5(this.event.uuid, `${type}|${source}|${target}`)}`;
    this.add({ type: 'relationship', id, ...this.common(this.event.timestamp), relationship_type: relationshipType(type), source_ref: source, target_ref: target });
  }

  finish(): StixObject {
    const e = this.event;
    for (const t of e.tags) this.cluster(t);
    for (const o of e.objects) {
      if (o.deleted) continue;
      for (const r of o.references) {
        const source = this.stixIdOf.get(o.uuid);
        const target = this.stixIdOf.get(r.referenced_uuid);
        if (!r.deleted && source && target && source !== target) this.relationship(r.relationship_type, source, target);
      }
    }
    // Relations the galaxies record between clusters that are both in this event.
    for (const t of e.tags) {
      const known = this.options.clusters?.get(t.name);
      for (const rel of known?.cluster.related ?? []) {
        const source = this.stixIdOf.get(`cluster:${known!.cluster.uuid}`);
        const target = this.stixIdOf.get(`cluster:${rel.destUuid}`);
        if (source && target) this.relationship(rel.type, source, target);
      }
    }
    const markings = e.tags.map((t) => TLP_MARKINGS[t.name]).filter((m): m is StixObject => m !== undefined);
    for (const m of markings) this.add(m, false);
    const refs = this.refs.size ? [...this.refs] : [this.identity];
    const common = this.common(e.timestamp);
    const labels = this.labels(e.tags, [`misp:threat-level="${e.threat_level_id}"`, `misp:analysis="${e.analysis}"`, `misp:date="${e.date}"`,
      `misp:distribution="${e.distribution}"`], true);
    const { Attribute: _a, Object: _o, ...fields } = this.json;
    const extensions = mispExtensions('event', fields);
    const marked = markings.length ? { object_marking_refs: markings.map((m) => m.id) } : {};
    const container: StixObject = this.options.container === 'grouping'
      ? { type: 'grouping', id: `grouping--${stixUuid(e.uuid)}`, ...common, name: e.info, context: 'suspicious-activity', object_refs: refs, labels, ...marked, extensions }
      : { type: 'report', id: `report--${stixUuid(e.uuid)}`, extensions, ...common, name: e.info, published: stixTime(e.published && e.publish_timestamp ? e.publish_timestamp : e.timestamp),
        report_types: ['threat-report'], object_refs: refs, labels, ...marked };
    this.add(container, false);
    return container;
  }
}

/**
 * STIX recommends kill-chain phase names in lower case with hyphens between words ("network-activity"
 * for MISP's "Network activity"); the import reads the MISP category back from either form.
 */
const phase = (name: string) => ({ kill_chain_name: 'misp-category', phase_name: name.toLowerCase().trim().replace(/[\s_]+/g, '-') });

function isPattern(text: string): boolean {
  try {
    parsePattern(text);
    return true;
  } catch {
    return false;
  }
}

/** One event's STIX objects: its container (report or grouping) first, then what it refers to. */
export function eventToStix(event: MispEvent, options: StixExportOptions = {}): StixObject[] {
  const c = new EventConverter(event, options);
  for (const a of event.attributes) if (!a.deleted) c.attribute(a);
  for (const o of event.objects) if (!o.deleted) c.object(o);
  const container = c.finish();
  return [container, ...[...c.objects.values()].filter((o) => o !== container)];
}

/**
 * Writes a bundle event by event, as text: the answer can start before the last event is read, and an
 * object several events share (an identity, an observable, a marking) is written once.
 */
export class StixBundleWriter {
  private readonly seen = new Set<string>();

  constructor(private readonly options: Omit<StixExportOptions, 'clusters'> = {}) {}

  start(): string {
    return `{"type": "bundle", "id": "bundle--${randomUUID()}", "objects": [`;
  }

  /** The event's objects not written yet, each on a line. */
  add(event: MispEvent, clusters?: ReadonlyMap<string, KnownCluster>): string {
    let out = '';
    for (const o of eventToStix(event, { ...this.options, ...(clusters ? { clusters } : {}) })) {
      if (this.seen.has(o.id)) continue;
      out += `${this.seen.size === 0 ? '\n' : ',\n'}${JSON.stringify(o)}`;
      this.seen.add(o.id);
    }
    return out;
  }

  end(): string {
    return '\n]}\n';
  }
}

/** A bundle of events, whole, as an object. */
export function stixBundle(events: Iterable<MispEvent>, options: StixExportOptions = {}): StixBundle {
  const w = new StixBundleWriter(options);
  let text = w.start();
  for (const e of events) text += w.add(e, options.clusters);
  return JSON.parse(text + w.end()) as StixBundle;
}

/** Every tag name an event holds, on itself, its attributes and its objects' attributes: where galaxies are named. */
export function tagNamesOf(event: MispEvent): string[] {
  const names = new Set(event.tags.map((t) => t.name));
  for (const a of [...event.attributes, ...event.objects.flatMap((o) => o.attributes)]) for (const t of a.tags) names.add(t.name);
  return [...names];
}
