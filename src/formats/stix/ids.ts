import { createHash, randomUUID } from 'node:crypto';

/** The namespace of STIX 2.1's deterministic cyber-observable ids (STIX 2.1 section 2.9). */
const SCO_NAMESPACE = '00abedb4-aa42-466c-9c01-fed23315a9b7';

/** The properties each observable's id is computed from (STIX 2.1, each object's "ID Contributing Properties"). */
const CONTRIBUTING: Record<string, readonly string[]> = {
  artifact: ['hashes', 'payload_bin'],
  'autonomous-system': ['number'],
  directory: ['path'],
  'domain-name': ['value'],
  'email-addr': ['value'],
  'email-message': ['from_ref', 'subject', 'body'],
  file: ['hashes', 'name', 'extensions', 'parent_directory_ref'],
  'ipv4-addr': ['value'],
  'ipv6-addr': ['value'],
  'mac-addr': ['value'],
  mutex: ['name'],
  'network-traffic': ['start', 'end', 'src_ref', 'dst_ref', 'src_port', 'dst_port', 'protocols', 'extensions'],
  software: ['name', 'cpe', 'swid', 'vendor', 'version'],
  url: ['value'],
  'user-account': ['account_type', 'user_id', 'account_login'],
  'windows-registry-key': ['key', 'values'],
  'x509-certificate': ['hashes', 'serial_number'],
};

/** Of several hashes, the id takes one, in this order of preference. */
const HASH_PREFERENCE = ['MD5', 'SHA-1', 'SHA-256', 'SHA-512'];

export function uuidV5(namespace: string, name: string): string {
  const hash = createHash('sha1').update(Buffer.from(namespace.replace(/-/g, ''), 'hex')).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** JSON with keys sorted and no spaces: RFC 8785 for the strings, numbers and objects observables hold. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The id of a cyber-observable: UUIDv5 of its contributing properties, or a random one when it has none. */
export function observableId(type: string, properties: Record<string, unknown>): string {
  const contributing = CONTRIBUTING[type];
  const picked: Record<string, unknown> = {};
  for (const p of contributing ?? []) {
    let v = properties[p];
    if (v === undefined) continue;
    if (p === 'hashes' && v && typeof v === 'object') {
      const hashes = v as Record<string, string>;
      const best = HASH_PREFERENCE.find((h) => hashes[h] !== undefined) ?? Object.keys(hashes).sort()[0];
      v = best ? { [best]: hashes[best] } : undefined;
    }
    if (v !== undefined) picked[p] = v;
  }
  return `${type}--${Object.keys(picked).length > 0 ? uuidV5(SCO_NAMESPACE, canonicalJson(picked)) : randomUUID()}`;
}
