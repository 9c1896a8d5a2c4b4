import type { MispObject } from '../../model/event.js';
import { eq, HASH_KEYS, hashPath, ipType, isUri, sco, type Observable } from './observables.js';

/** The live attributes of an object by relation: relation → values. */
function relations(o: MispObject): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const a of o.attributes) if (!a.deleted && a.object_relation) out.set(a.object_relation, [...(out.get(a.object_relation) ?? []), a.value]);
  return out;
}

const first = (r: Map<string, string[]>, ...names: string[]) => names.map((n) => r.get(n)?.[0]).find((v) => v !== undefined);

function fileObject(r: Map<string, string[]>): Observable | undefined {
  const props: Record<string, unknown> = {};
  const comparisons: string[] = [];
  const hashes: Record<string, string> = {};
  for (const [type, key] of Object.entries(HASH_KEYS)) {
    const v = r.get(type)?.[0];
    if (v === undefined) continue;
    hashes[key] = v;
    comparisons.push(eq(hashPath(key), v));
  }
  if (Object.keys(hashes).length) props.hashes = hashes;
  const name = first(r, 'filename');
  if (name !== undefined) {
    props.name = name;
    comparisons.push(eq('file:name', name));
  }
  const size = Number(first(r, 'size-in-bytes'));
  if (Number.isInteger(size) && size >= 0) {
    props.size = size;
    comparisons.push(`file:size = ${size}`);
  }
  const mime = first(r, 'mimetype');
  if (mime !== undefined) {
    props.mime_type = mime;
    comparisons.push(eq('file:mime_type', mime));
  }
  return comparisons.length ? { comparisons, objects: [sco('file', props)] } : undefined;
}

function domainIp(r: Map<string, string[]>): Observable | undefined {
  const domain = first(r, 'domain', 'hostname');
  if (domain === undefined) return undefined;
  const ips = [...(r.get('ip') ?? []), ...(r.get('ip-dst') ?? [])];
  const addresses = ips.map((ip) => sco(ipType(ip), { value: ip }));
  return {
    comparisons: [eq('domain-name:value', domain), ...ips.map((ip) => eq('domain-name:resolves_to_refs[*].value', ip))],
    objects: [sco('domain-name', { value: domain, ...(addresses.length ? { resolves_to_refs: addresses.map((a) => a.id) } : {}) }), ...addresses],
  };
}

function urlObject(r: Map<string, string[]>): Observable | undefined {
  const url = first(r, 'url');
  return url === undefined || !isUri(url) ? undefined : { comparisons: [eq('url:value', url)], objects: [sco('url', { value: url })] };
}

function connection(r: Map<string, string[]>): Observable | undefined {
  const comparisons: string[] = [];
  const props: Record<string, unknown> = {};
  const objects = [];
  for (const side of ['src', 'dst'] as const) {
    const ip = first(r, `ip-${side}`, ...(side === 'dst' ? ['ip'] : []));
    if (ip !== undefined) {
      const address = sco(ipType(ip), { value: ip });
      objects.push(address);
      props[`${side}_ref`] = address.id;
      comparisons.push(`network-traffic:${side}_ref.type = '${address.type}'`, eq(`network-traffic:${side}_ref.value`, ip));
    }
    const port = Number(first(r, `${side}-port`));
    if (Number.isInteger(port) && port >= 0 && port <= 65535) {
      props[`${side}_port`] = port;
      comparisons.push(`network-traffic:${side}_port = ${port}`);
    }
  }
  if (!props.src_ref && !props.dst_ref) return undefined;
  const protocols = ['layer3-protocol', 'layer4-protocol', 'layer7-protocol'].flatMap((l) => r.get(l) ?? []).map((p) => p.toLowerCase());
  props.protocols = protocols.length ? protocols : ['tcp'];
  return { comparisons, objects: [sco('network-traffic', props), ...objects] };
}

function email(r: Map<string, string[]>): Observable | undefined {
  const comparisons: string[] = [];
  const props: Record<string, unknown> = { is_multipart: false };
  const objects = [];
  const from = first(r, 'from');
  if (from !== undefined) {
    const a = sco('email-addr', { value: from });
    objects.push(a);
    props.from_ref = a.id;
    comparisons.push(eq('email-message:from_ref.value', from));
  }
  for (const [relation, property] of [['to', 'to_refs'], ['cc', 'cc_refs']] as const) {
    const addresses = (r.get(relation) ?? []).map((v) => sco('email-addr', { value: v }));
    if (!addresses.length) continue;
    objects.push(...addresses);
    props[property] = addresses.map((a) => a.id);
    for (const a of addresses) comparisons.push(eq(`email-message:${property}[*].value`, a.value as string));
  }
  const subject = first(r, 'subject');
  if (subject !== undefined) {
    props.subject = subject;
    comparisons.push(eq('email-message:subject', subject));
  }
  return comparisons.length ? { comparisons, objects: [sco('email-message', props), ...objects] } : undefined;
}

const MAPPERS: Record<string, (r: Map<string, string[]>) => Observable | undefined> = {
  file: fileObject,
  'domain-ip': domainIp,
  url: urlObject,
  'ip-port': connection,
  'network-connection': connection,
  email,
};

/** A MISP object in STIX, when it is one of the templates with a matching observable. */
export function objectObservable(o: MispObject): Observable | undefined {
  return MAPPERS[o.name]?.(relations(o));
}
