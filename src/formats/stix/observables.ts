import { observableId } from './ids.js';
import { patternString } from './pattern.js';

/** A STIX object as JSON. */
export type StixObject = Record<string, unknown> & { type: string; id: string };

/** How one MISP value reads in STIX: the comparisons of a pattern (one object type) and the observables it is. */
export interface Observable {
  comparisons: string[];
  objects: StixObject[];
}

export function sco(type: string, properties: Record<string, unknown>): StixObject {
  return { type, spec_version: '2.1', id: observableId(type, properties), ...properties };
}

/** One equality of a pattern, its value quoted. */
export const eq = (path: string, value: string) => `${path} = ${patternString(value)}`;

/** MISP hash types and the key STIX's hash vocabulary gives each (or a custom key where it has none). */
export const HASH_KEYS: Record<string, string> = {
  md5: 'MD5', sha1: 'SHA-1', sha256: 'SHA-256', sha512: 'SHA-512', 'sha3-256': 'SHA3-256', 'sha3-512': 'SHA3-512',
  ssdeep: 'SSDEEP', tlsh: 'TLSH', sha224: 'SHA224', sha384: 'SHA384', 'sha512/224': 'SHA512/224', 'sha512/256': 'SHA512/256',
};

export const hashPath = (key: string) => `file:hashes.${/^[A-Z0-9]+$/.test(key) ? key : `'${key}'`}`;

export function ipType(value: string): 'ipv4-addr' | 'ipv6-addr' {
  return value.includes(':') ? 'ipv6-addr' : 'ipv4-addr';
}

/** An address as the source or destination of network traffic, optionally with a port. */
function traffic(side: 'src' | 'dst', ip: string, port?: string): Observable {
  const address = sco(ipType(ip), { value: ip });
  const comparisons = [`network-traffic:${side}_ref.type = '${address.type}'`, eq(`network-traffic:${side}_ref.value`, ip)];
  const props: Record<string, unknown> = { [`${side}_ref`]: address.id, protocols: ['tcp'] };
  if (port !== undefined && /^\d+$/.test(port)) {
    comparisons.push(`network-traffic:${side}_port = ${Number(port)}`);
    props[`${side}_port`] = Number(port);
  }
  return { comparisons, objects: [sco('network-traffic', props), address] };
}

function file(props: { name?: string; hashes?: Record<string, string> }): Observable {
  const comparisons = [];
  if (props.name !== undefined) comparisons.push(eq('file:name', props.name));
  for (const [k, v] of Object.entries(props.hashes ?? {})) comparisons.push(eq(hashPath(k), v));
  return { comparisons, objects: [sco('file', props)] };
}

const single = (type: string, property: string) => (value: string): Observable =>
  ({ comparisons: [eq(`${type}:${property}`, value)], objects: [sco(type, { [property]: value })] });

/** A URI has a scheme (RFC 3986); STIX's url observable must hold one. */
export const isUri = (v: string) => /^[a-z][a-z0-9+.-]*:\S+$/i.test(v);

/**
 * A URL as STIX allows it: the pattern compares any string, but the url observable must be a URI. A value
 * without a scheme has no observable (the attribute then travels as an x-misp-attribute, whole).
 */
function urlValue(value: string): Observable {
  return { comparisons: [eq('url:value', value)], objects: isUri(value) ? [sco('url', { value })] : [] };
}

/** STIX names registry hives in full (its schema refuses HKLM and the like). */
const HIVES: Record<string, string> = { hklm: 'HKEY_LOCAL_MACHINE', hkcu: 'HKEY_CURRENT_USER', hkcr: 'HKEY_CLASSES_ROOT', hku: 'HKEY_USERS', hkcc: 'HKEY_CURRENT_CONFIG' };

export function registryKey(key: string): string {
  return key.replace(/^(hklm|hkcu|hkcr|hku|hkcc)(?=\\|$)/i, (h) => HIVES[h.toLowerCase()]!);
}

function split(value: string): [string, string] {
  const i = value.indexOf('|');
  return [value.slice(0, i), value.slice(i + 1)];
}

const MAPPERS: Record<string, (value: string) => Observable | undefined> = {
  domain: single('domain-name', 'value'),
  hostname: single('domain-name', 'value'),
  url: urlValue,
  link: urlValue,
  uri: urlValue,
  email: single('email-addr', 'value'),
  'email-src': (v) => {
    const addr = sco('email-addr', { value: v });
    return { comparisons: [eq('email-message:from_ref.value', v)], objects: [sco('email-message', { is_multipart: false, from_ref: addr.id }), addr] };
  },
  'email-dst': (v) => {
    const addr = sco('email-addr', { value: v });
    return { comparisons: [eq('email-message:to_refs[*].value', v)], objects: [sco('email-message', { is_multipart: false, to_refs: [addr.id] }), addr] };
  },
  'email-subject': (v) => ({ comparisons: [eq('email-message:subject', v)], objects: [sco('email-message', { is_multipart: false, subject: v })] }),
  filename: (v) => file({ name: v }),
  mutex: single('mutex', 'name'),
  regkey: (v) => single('windows-registry-key', 'key')(registryKey(v)),
  'regkey|value': (v) => {
    const [raw, data] = split(v);
    const key = registryKey(raw);
    return { comparisons: [eq('windows-registry-key:key', key), eq('windows-registry-key:values[*].data', data)],
      objects: [sco('windows-registry-key', { key, values: [{ name: '', data }] })] };
  },
  'mac-address': single('mac-addr', 'value'),
  'ip-src': (v) => traffic('src', v),
  'ip-dst': (v) => traffic('dst', v),
  'ip-src|port': (v) => traffic('src', ...split(v)),
  'ip-dst|port': (v) => traffic('dst', ...split(v)),
  'domain|ip': (v) => {
    const [domain, ip] = split(v);
    const address = sco(ipType(ip), { value: ip });
    return { comparisons: [eq('domain-name:value', domain), eq('domain-name:resolves_to_refs[*].value', ip)],
      objects: [sco('domain-name', { value: domain, resolves_to_refs: [address.id] }), address] };
  },
  'hostname|port': (v) => {
    const [host, port] = split(v);
    if (!/^\d+$/.test(port)) return undefined;
    const domain = sco('domain-name', { value: host });
    return { comparisons: ["network-traffic:dst_ref.type = 'domain-name'", eq('network-traffic:dst_ref.value', host), `network-traffic:dst_port = ${Number(port)}`],
      objects: [sco('network-traffic', { dst_ref: domain.id, dst_port: Number(port), protocols: ['tcp'] }), domain] };
  },
  AS: (v) => {
    const n = Number(v.replace(/^AS/i, ''));
    if (!Number.isInteger(n)) return undefined;
    return { comparisons: [`autonomous-system:number = ${n}`], objects: [sco('autonomous-system', { number: n })] };
  },
  'user-agent': (v) => ({ comparisons: [eq("network-traffic:extensions.'http-request-ext'.request_header.'User-Agent'", v)],
    objects: [] }),
  'x509-fingerprint-md5': (v) => ({ comparisons: [eq('x509-certificate:hashes.MD5', v)], objects: [sco('x509-certificate', { hashes: { MD5: v } })] }),
  'x509-fingerprint-sha1': (v) => ({ comparisons: [eq("x509-certificate:hashes.'SHA-1'", v)], objects: [sco('x509-certificate', { hashes: { 'SHA-1': v } })] }),
  'x509-fingerprint-sha256': (v) => ({ comparisons: [eq("x509-certificate:hashes.'SHA-256'", v)], objects: [sco('x509-certificate', { hashes: { 'SHA-256': v } })] }),
  'malware-sample': (v) => {
    const [name, md5] = split(v);
    return file({ name, hashes: { MD5: md5 } });
  },
  attachment: (v) => file({ name: v }),
};

for (const [type, key] of Object.entries(HASH_KEYS)) {
  MAPPERS[type] = (v) => file({ hashes: { [key]: v } });
  MAPPERS[`filename|${type}`] = (v) => {
    const [name, hash] = split(v);
    return file({ name, hashes: { [key]: hash } });
  };
}

/** A MISP attribute's value in STIX, or undefined for the types STIX has no observable for. */
export function observableOf(type: string, value: string): Observable | undefined {
  return MAPPERS[type]?.(value);
}

/** Rule languages MISP holds as attributes, exported as indicators of that pattern type. */
export const RULE_TYPES: Record<string, string> = { snort: 'snort', yara: 'yara', sigma: 'sigma', suricata: 'suricata', 'stix2-pattern': 'stix' };
