import { CATEGORIES } from '../../model/describe-types.js';
import { HASH_KEYS } from './observables.js';
import { parsePattern, type Comparison, type Observation } from './pattern.js';

/** What the STIX side of the importer reads: plain JSON objects. */
export type Json = Record<string, unknown>;

/** A MISP attribute as read from STIX, before the event around it is built. */
export type ValueAttribute = Json & {
  type: string;
  value: string;
  object_relation?: string;
  uuid?: string;
  data?: string;
  to_ids?: boolean;
};

export const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
export const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
export const uuidOf = (id: string) => id.slice(id.indexOf('--') + 2);

export const HASH_TYPES = new Map(Object.entries(HASH_KEYS).map(([type, key]) => [key.toUpperCase(), type]));
const CERT_HASHES: Record<string, string> = { MD5: 'x509-fingerprint-md5', 'SHA-1': 'x509-fingerprint-sha1', 'SHA-256': 'x509-fingerprint-sha256' };

/**
 * A MISP category from a kill-chain phase name: as MISP's converter writes it ("Network activity"), or
 * as STIX recommends and Cairn writes it ("network-activity"), or lower-cased only.
 */
const phaseKey = (name: string) => name.toLowerCase().replace(/[\s_-]+/g, '-');
const CATEGORY_OF = new Map(CATEGORIES.map((c) => [phaseKey(c), c]));
export const categoryOfPhase = (phase: string | undefined) => (phase === undefined ? undefined : CATEGORY_OF.get(phaseKey(phase)) ?? phase);

/** The MISP type of one comparison path (`file:hashes.'SHA-256'` → sha256), when it names a single value. */
export function typeOfPath(objectType: string, steps: Array<string | number>): string | undefined {
  const path = steps.join('.');
  if (objectType === 'file' && steps[0] === 'hashes') return HASH_TYPES.get(String(steps[1]).toUpperCase());
  if (objectType === 'x509-certificate' && steps[0] === 'hashes') return CERT_HASHES[String(steps[1]).toUpperCase()];
  const direct: Record<string, string> = {
    'domain-name:value': 'domain', 'url:value': 'url', 'ipv4-addr:value': 'ip-dst', 'ipv6-addr:value': 'ip-dst', 'email-addr:value': 'email',
    'file:name': 'filename', 'file:size': 'size-in-bytes', 'file:mime_type': 'mime-type', 'mutex:name': 'mutex', 'windows-registry-key:key': 'regkey',
    'mac-addr:value': 'mac-address', 'autonomous-system:number': 'AS', 'email-message:from_ref.value': 'email-src',
    'email-message:to_refs.*.value': 'email-dst', 'email-message:cc_refs.*.value': 'email-dst', 'email-message:subject': 'email-subject',
    'network-traffic:dst_ref.value': 'ip-dst', 'network-traffic:src_ref.value': 'ip-src', 'domain-name:resolves_to_refs.*.value': 'ip-dst',
    'network-traffic:dst_port': 'port', 'network-traffic:src_port': 'port', 'email-message:body_multipart.*.body_raw_ref.name': 'email-attachment',
    'windows-registry-key:values.data': 'text', 'windows-registry-key:values.*.data': 'text',
  };
  return direct[`${objectType}:${path}`];
}

export interface Equality { objectType: string; steps: Array<string | number>; value: string }

/** The `=` comparisons of a pattern that is one observation joined by AND, or undefined for anything richer. */
export function equalities(o: Observation): Equality[] | undefined {
  if (o.kind !== 'observation' || o.qualifiers.length) return undefined;
  const flat: Comparison[] = [];
  const walk = (c: Comparison): boolean => {
    if (c.kind === 'and') return c.parts.every(walk);
    if (c.kind !== 'test' || c.op !== '=' || c.negated) return false;
    flat.push(c);
    return true;
  };
  if (!walk(o.comparison)) return undefined;
  const out: Equality[] = [];
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

/** The comparisons of a STIX pattern, or undefined when it does not parse or is more than ANDed equalities. */
export function patternEqualities(pattern: string): Equality[] | undefined {
  try {
    return equalities(parsePattern(pattern));
  } catch {
    return undefined;
  }
}

/** An indicator's pattern as a MISP attribute: one of a known type, or the pattern kept whole. */
export function patternAttribute(pattern: string, hint: string | undefined): { type: string; value: string } | string {
  try {
    parsePattern(pattern);
  } catch (err) {
    return `its pattern does not parse: ${(err as Error).message}`;
  }
  const parts = patternEqualities(pattern);
  if (parts && parts.length === 1) {
    const type = typeOfPath(parts[0]!.objectType, parts[0]!.steps);
    if (type) return { type: hint && hint.split('|').length === 1 ? hint : type, value: parts[0]!.value };
  }
  // A composite MISP type (filename|sha256, domain|ip, ip-dst|port) is its parts in the order they were written.
  if (parts && parts.length > 1 && hint?.includes('|') && hint.split('|').length === parts.length) return { type: hint, value: parts.map((p) => p.value).join('|') };
  return { type: 'stix2-pattern', value: pattern };
}

/** The relation an attribute of this type has in MISP's usual objects, for patterns that do not say. */
export function relationOf(type: string, lastStep: string): string {
  if (lastStep === 'dst_port') return 'dst-port';
  if (lastStep === 'src_port') return 'src-port';
  const relations: Record<string, string> = { 'ip-dst': 'ip', 'email-src': 'from', 'email-dst': 'to', 'email-subject': 'subject', 'mime-type': 'mimetype', regkey: 'key' };
  return relations[type] ?? type;
}

/**
 * The MISP types of the relations MISP's converter writes as `x_misp_<relation>` custom properties (the
 * object templates' types); any other relation reads as text.
 */
const CUSTOM_TYPES: Record<string, string> = {
  entropy: 'float', 'first-seen': 'datetime', 'last-seen': 'datetime', mimetype: 'mime-type', certificate: 'x509-fingerprint-sha1',
  domain: 'domain', hostname: 'hostname', filename: 'filename', 'compilation-timestamp': 'datetime', 'creation-time': 'datetime',
  'modification-time': 'datetime', 'access-time': 'datetime', 'last-modified': 'datetime', 'ip-src': 'ip-src', 'ip-dst': 'ip-dst', 'src-port': 'port',
  'dst-port': 'port', url: 'url', 'number-sections': 'counter', path: 'text', fullpath: 'text',
};

/** An observable's `x_misp_*` properties as object attributes. */
export function customProperties(o: Json): ValueAttribute[] {
  const out: ValueAttribute[] = [];
  for (const [k, v] of Object.entries(o)) {
    if (!k.startsWith('x_misp_') || v === undefined || v === null || typeof v === 'object') continue;
    const relation = k.slice(7).replace(/_/g, '-');
    out.push({ object_relation: relation, type: CUSTOM_TYPES[relation] ?? 'text', value: String(v) });
  }
  return out;
}

const attr = (object_relation: string, type: string, value: unknown, uuid?: string): ValueAttribute =>
  ({ object_relation, type, value: String(value), ...(uuid ? { uuid } : {}) });

/**
 * The attributes of a MISP object (named `name`) from the observables of its observed data: every property
 * each observable has, so that nothing it carried is lost (all hashes, size, mime type, custom properties…).
 */
export function observablesAsObject(name: string, scos: Json[], byId: ReadonlyMap<string, Json>): ValueAttribute[] {
  const out: ValueAttribute[] = [];
  const referenced = new Set<string>();
  for (const o of scos) for (const k of ['resolves_to_refs', 'src_ref', 'dst_ref', 'from_ref', 'to_refs', 'cc_refs', 'content_ref']) for (const r of [o[k]].flat()) if (typeof r === 'string') referenced.add(r);
  const valueOf = (id: unknown) => (typeof id === 'string' ? byId.get(id) : undefined);
  for (const o of scos) {
    const id = String(o.id);
    switch (o.type) {
      case 'file': {
        for (const [k, v] of Object.entries((o.hashes ?? {}) as Record<string, string>)) {
          const t = HASH_TYPES.get(k.toUpperCase());
          if (t) out.push(attr(t, t, v));
        }
        if (typeof o.name === 'string' && o.name !== '') out.push(attr('filename', 'filename', o.name));
        if (o.size !== undefined) out.push(attr('size-in-bytes', 'size-in-bytes', o.size));
        if (typeof o.mime_type === 'string') out.push(attr('mimetype', 'mime-type', o.mime_type));
        const artifact = valueOf(o.content_ref);
        if (artifact) {
          const md5 = (artifact.hashes as Record<string, string> | undefined)?.MD5;
          const fileName = str(artifact.x_misp_filename);
          if (fileName !== undefined && md5) out.push({ ...attr('malware-sample', 'malware-sample', `${fileName}|${md5}`), ...(str(artifact.payload_bin) ? { data: String(artifact.payload_bin) } : {}) });
          else if (str(artifact.payload_bin)) out.push({ ...attr('attachment', 'attachment', fileName ?? ''), data: String(artifact.payload_bin) });
        }
        const pe = ((o.extensions ?? {}) as Record<string, Json>)['windows-pebinary-ext'];
        if (pe) {
          if (pe.pe_type !== undefined) out.push(attr('type', 'text', pe.pe_type));
          const entry = (pe.optional_header as Json | undefined)?.address_of_entry_point;
          if (entry !== undefined) out.push(attr('entrypoint-address', 'text', entry));
          if (pe.number_of_sections !== undefined) out.push(attr('number-sections', 'counter', pe.number_of_sections));
          out.push(...customProperties(pe));
        }
        break;
      }
      case 'artifact':
        if (!referenced.has(id) && str(o.payload_bin)) out.push({ ...attr('attachment', 'attachment', str(o.x_misp_filename) ?? ''), data: String(o.payload_bin) });
        continue;
      case 'domain-name':
        if (referenced.has(id)) continue;
        out.push(attr(name === 'domain-ip' && o.x_misp_hostname ? 'hostname' : 'domain', 'domain', o.value));
        break;
      case 'ipv4-addr': case 'ipv6-addr':
        if (!referenced.has(id) || scos.some((s) => s.type === 'domain-name' && strings(s.resolves_to_refs).includes(id))) {
          out.push(attr(name === 'network-connection' ? 'ip-dst' : 'ip', 'ip-dst', o.value));
        }
        continue;
      case 'network-traffic':
        for (const side of ['src', 'dst'] as const) {
          const target = valueOf(o[`${side}_ref`]);
          if (target?.type === 'domain-name') out.push(attr(side === 'dst' ? 'domain' : 'src-domain', 'domain', target.value));
          else if (target) out.push(attr(name === 'ip-port' && side === 'dst' ? 'ip' : `ip-${side}`, `ip-${side}`, target.value));
          if (o[`${side}_port`] !== undefined) out.push(attr(`${side}-port`, 'port', o[`${side}_port`]));
        }
        if (name === 'network-connection') {
          for (const p of strings(o.protocols)) out.push(attr(/^(ip|ipv4|ipv6|icmp)$/i.test(p) ? 'layer3-protocol' : /^(tcp|udp|sctp)$/i.test(p) ? 'layer4-protocol' : 'layer7-protocol', 'text', p.toUpperCase()));
        }
        break;
      case 'windows-registry-key': {
        out.push(attr('key', 'regkey', o.key));
        const value = (o.values as Json[] | undefined)?.[0];
        if (value) {
          if (str(value.name)) out.push(attr('name', 'text', value.name));
          if (value.data !== undefined) out.push(attr('data', 'text', value.data));
          if (str(value.data_type)) out.push(attr('data-type', 'text', value.data_type));
        }
        if (o.modified_time !== undefined) out.push(attr('last-modified', 'datetime', o.modified_time));
        break;
      }
      case 'x509-certificate': {
        for (const [k, v] of Object.entries((o.hashes ?? {}) as Record<string, string>)) {
          const t = CERT_HASHES[k.toUpperCase()];
          if (t) out.push(attr(t, t, v));
        }
        for (const [k, relation, type] of [['serial_number', 'serial-number', 'text'], ['issuer', 'issuer', 'text'], ['subject', 'subject', 'text'],
          ['version', 'version', 'text'], ['validity_not_before', 'validity-not-before', 'datetime'], ['validity_not_after', 'validity-not-after', 'datetime'],
          ['signature_algorithm', 'signature_algorithm', 'text'], ['subject_public_key_algorithm', 'pubkey-info-algorithm', 'text'],
          ['subject_public_key_modulus', 'pubkey-info-modulus', 'text'], ['subject_public_key_exponent', 'pubkey-info-exponent', 'text']] as const) {
          if (o[k] !== undefined) out.push(attr(relation, type, o[k]));
        }
        break;
      }
      case 'email-message': {
        const from = valueOf(o.from_ref);
        if (from) out.push(attr('from', 'email-src', from.value));
        for (const r of strings(o.to_refs)) if (valueOf(r)) out.push(attr('to', 'email-dst', valueOf(r)!.value));
        for (const r of strings(o.cc_refs)) if (valueOf(r)) out.push(attr('cc', 'email-dst', valueOf(r)!.value));
        if (o.subject !== undefined) out.push(attr('subject', 'email-subject', o.subject));
        break;
      }
      case 'email-addr':
        if (!referenced.has(id)) out.push(attr('email', 'email', o.value));
        continue;
      case 'url': out.push(attr('url', 'url', o.value)); break;
      case 'mutex': out.push(attr('name', 'mutex', o.name)); break;
      case 'autonomous-system': out.push(attr('asn', 'AS', o.number)); break;
      case 'mac-addr': out.push(attr('mac-address', 'mac-address', o.value)); break;
      default: break;
    }
    out.push(...customProperties(o));
  }
  return out;
}

/** A MISP object's attributes from its indicator's pattern, when the observed data is not there to say more. */
export function patternAsObject(pattern: string): ValueAttribute[] | undefined {
  const parts = patternEqualities(pattern);
  if (!parts) return undefined;
  const out: ValueAttribute[] = [];
  for (const p of parts) {
    const last = String(p.steps[p.steps.length - 1]);
    const type = typeOfPath(p.objectType, p.steps);
    if (type) out.push({ object_relation: relationOf(type, last), type, value: p.value });
    else if (last.startsWith('x_misp_')) out.push(...customProperties({ [last]: p.value }));
    else return undefined;
  }
  return out.length ? out : undefined;
}

/** MISP's converter writes a YARA rule as a STIX-like pattern in brackets; the rule is what is inside. */
export function ruleText(patternType: string, pattern: string): string {
  return patternType === 'yara' && pattern.startsWith('[') && pattern.endsWith(']') ? pattern.slice(1, -1) : pattern;
}
