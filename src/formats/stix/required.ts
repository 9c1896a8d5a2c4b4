/**
 * The properties STIX 2.1 requires of each type of object Cairn reads, as the OASIS JSON schemas say
 * (a test holds this table to them): an object without one is refused by name rather than read as
 * "undefined". A list inside the list is a choice: one of its properties is enough.
 */

type Required = ReadonlyArray<string | readonly string[]>;

/** Domain and relationship objects: the common properties, then their own. */
const SDO_COMMON: Required = ['type', 'id', 'spec_version', 'created', 'modified'];
const SDO: Record<string, Required> = {
  report: ['name', 'published', 'object_refs'],
  grouping: ['context', 'object_refs'],
  indicator: ['pattern', 'pattern_type', 'valid_from'],
  'observed-data': ['first_observed', 'last_observed', 'number_observed', ['object_refs', 'objects']],
  vulnerability: ['name'],
  identity: ['name'],
  'threat-actor': ['name'],
  'intrusion-set': ['name'],
  malware: ['is_family'],
  tool: ['name'],
  'attack-pattern': ['name'],
  'course-of-action': ['name'],
  campaign: ['name'],
  relationship: ['relationship_type', 'source_ref', 'target_ref'],
  sighting: ['sighting_of_ref'],
  // MISP's custom objects: what the MISP attribute or object cannot be without.
  'x-misp-attribute': ['x_misp_type', 'x_misp_value'],
  'x-misp-object': ['x_misp_name'],
  'x-misp-galaxy-cluster': [],
};

/** Observables: the common properties, then their own. */
const SCO_COMMON: Required = ['type', 'id'];
const SCO: Record<string, Required> = {
  'domain-name': ['value'], 'ipv4-addr': ['value'], 'ipv6-addr': ['value'], url: ['value'], 'email-addr': ['value'], 'mac-addr': ['value'],
  mutex: ['name'], 'autonomous-system': ['number'], software: ['name'], directory: ['path'], 'network-traffic': ['protocols', ['src_ref', 'dst_ref']],
  file: [['hashes', 'name']], artifact: [['payload_bin', 'url']], 'email-message': ['is_multipart'],
};

/** The STIX types whose required properties Cairn checks: every type it reads. */
export const CHECKED_TYPES: readonly string[] = [...Object.keys(SDO), ...Object.keys(SCO)];

/** The required properties of a type, or undefined for a type Cairn does not read. */
export function requiredProperties(type: string): Required | undefined {
  if (SDO[type]) return [...SDO_COMMON, ...SDO[type]];
  if (SCO[type]) return [...SCO_COMMON, ...SCO[type]];
  return undefined;
}

/** What an object lacks of what its type requires, as a sentence naming the property; undefined when it has it all. */
export function missingRequired(o: Record<string, unknown>): string | undefined {
  const type = String(o.type);
  const missing = (requiredProperties(type) ?? []).filter((p) => (typeof p === 'string' ? o[p] === undefined || o[p] === null : p.every((q) => o[q] === undefined || o[q] === null)));
  if (!missing.length) return undefined;
  const names = missing.map((p) => (typeof p === 'string' ? `"${p}"` : p.map((q) => `"${q}"`).join(' or ')));
  return `missing required ${names.length === 1 ? 'property' : 'properties'} ${names.join(', ')} (STIX 2.1 requires ${names.length === 1 ? 'it' : 'them'} of every ${type})`;
}
