/** The MISP domain as Cairn holds it: field names and meanings follow the MISP core format. */

import type { AnalystData } from './analyst-data.js';

export const THREAT_LEVELS = { 1: 'High', 2: 'Medium', 3: 'Low', 4: 'Undefined' } as const;
export type ThreatLevel = keyof typeof THREAT_LEVELS;

export const ANALYSIS_LEVELS = { 0: 'Initial', 1: 'Ongoing', 2: 'Completed' } as const;
export type Analysis = keyof typeof ANALYSIS_LEVELS;

/** 0 your organisation, 1 this community, 2 connected communities, 3 all, 4 a sharing group. */
export type EventDistribution = 0 | 1 | 2 | 3 | 4;
/** As for events, plus 5: inherit the event's distribution. */
export type Distribution = EventDistribution | 5;

export const SIGHTING_TYPES = { 0: 'sighting', 1: 'false-positive', 2: 'expiration' } as const;
export type SightingType = keyof typeof SIGHTING_TYPES;

export interface OrganisationRef {
  uuid: string;
  name: string;
  /** Its local id, on an organisation read from this instance's store. */
  id?: number;
}

export interface Organisation extends OrganisationRef {
  id: number;
  local: boolean;
}

/**
 * The sharing group an item at distribution 4 is shared with. Across instances a group is known by its
 * uuid; a client of this instance may name it by its local id instead, which the API resolves.
 */
export interface SharingGroupRef {
  uuid?: string;
  id?: number;
  name?: string;
  /** Its member organisations, when the source describes them: a group unknown here is created with them. */
  organisations?: OrganisationRef[];
}

export interface TagRef {
  name: string;
  colour: string | null;
  /** A local tag stays on this instance and is never synchronised or exported to feeds. */
  local: boolean;
  relationship_type: string | null;
}

export interface Sighting {
  /** The local id, on an item read from this instance's store: MISP's documents name items by it. */
  id?: number;
  uuid: string;
  type: SightingType;
  /** Seconds since the epoch. */
  date_sighting: number;
  source: string;
  org: OrganisationRef | null;
}

export interface Attribute {
  /** The local id, on an item read from this instance's store: MISP's documents name items by it. */
  id?: number;
  /** Set at distribution 4 only. */
  sharing_group?: SharingGroupRef;
  uuid: string;
  type: string;
  category: string;
  /** Canonical value; a composite type holds both parts joined by `|`. */
  value: string;
  to_ids: boolean;
  distribution: Distribution;
  comment: string;
  /** Seconds since the epoch of the last change. */
  timestamp: number;
  disable_correlation: boolean;
  deleted: boolean;
  first_seen: string | null;
  last_seen: string | null;
  /** The attribute's role in its object (`md5`, `filename`, …); null outside objects. */
  object_relation: string | null;
  /** Base64 content of `attachment` and `malware-sample` attributes. */
  data: string | null;
  tags: TagRef[];
  sightings: Sighting[];
}

export interface ObjectReference {
  /** The local id, on an item read from this instance's store: MISP's documents name items by it. */
  id?: number;
  uuid: string;
  referenced_uuid: string;
  relationship_type: string;
  comment: string;
  timestamp: number;
  deleted: boolean;
}

export interface MispObject {
  /** The local id, on an item read from this instance's store: MISP's documents name items by it. */
  id?: number;
  /** Set at distribution 4 only. */
  sharing_group?: SharingGroupRef;
  uuid: string;
  name: string;
  meta_category: string;
  description: string;
  template_uuid: string;
  template_version: string;
  comment: string;
  distribution: Distribution;
  timestamp: number;
  first_seen: string | null;
  last_seen: string | null;
  deleted: boolean;
  attributes: Attribute[];
  references: ObjectReference[];
}

export interface EventReport {
  /** The local id, on an item read from this instance's store: MISP's documents name items by it. */
  id?: number;
  /** Set at distribution 4 only. */
  sharing_group?: SharingGroupRef;
  uuid: string;
  name: string;
  content: string;
  distribution: Distribution;
  timestamp: number;
  deleted: boolean;
}

export interface MispEvent {
  /** Set at distribution 4 only. */
  sharing_group?: SharingGroupRef;
  uuid: string;
  info: string;
  /** `YYYY-MM-DD`. */
  date: string;
  threat_level_id: ThreatLevel;
  analysis: Analysis;
  distribution: EventDistribution;
  published: boolean;
  publish_timestamp: number;
  timestamp: number;
  extends_uuid: string | null;
  disable_correlation: boolean;
  /**
   * MISP's protected mode (sync users may change the event only with a signature, which Cairn does not
   * check, so not at all). Absent when the document says nothing: a stored event keeps its flag.
   */
  protected?: boolean;
  /**
   * MISP's locked flag: the event came from another instance, and a sync user may bring newer versions
   * of it. Absent when the document says nothing, or the importer may not set it: a stored event keeps its flag.
   */
  locked?: boolean;
  orgc: OrganisationRef;
  org: OrganisationRef | null;
  tags: TagRef[];
  attributes: Attribute[];
  objects: MispObject[];
  reports: EventReport[];
  /** Notes, opinions and relationships the document carries on the event and its elements (MISP 2.5). */
  analyst_data?: AnalystData[];
}

/**
 * An event as stored: the model plus its local numeric id, and what the store counts of it. Its items
 * and organisations carry their local ids too.
 */
export interface StoredEvent extends MispEvent {
  id: number;
  /** Its live attributes, all of them (MISP's `attribute_count`). */
  attribute_count: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isUuid(text: string): boolean {
  return UUID.test(text);
}

/** An item named as a client of this instance names it: by local id or by uuid. */
export type ItemRef = { id: number } | { uuid: string };

/** `12` is an id and a uuid is a uuid (any case); anything else names nothing. */
export function parseItemRef(text: string | number): ItemRef | undefined {
  const t = String(text).trim().toLowerCase();
  if (/^\d+$/.test(t)) return { id: Number(t) };
  return isUuid(t) ? { uuid: t } : undefined;
}
