import { isIPv4, isIPv6 } from 'node:net';

/** IPv4 in dotted quad or IPv6 in RFC 5952 compressed lower-case form; undefined when not an address. */
export function canonicalIp(text: string): string | undefined {
  if (isIPv4(text)) return text;
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (!isIPv6(bare)) return undefined;
  // The WHATWG URL serialiser compresses IPv6 exactly as RFC 5952 asks (longest zero run, lower case).
  return new URL(`http://[${bare}]/`).hostname.slice(1, -1);
}

export type IpOrCidr = { ok: true; value: string } | { ok: false; reason: string };

/** An address or a CIDR range; `/32` and `/128` fold to the bare address, as MISP does. */
export function canonicalIpOrCidr(text: string): IpOrCidr {
  const slash = text.indexOf('/');
  if (slash < 0) {
    const ip = canonicalIp(text);
    return ip ? { ok: true, value: ip } : { ok: false, reason: 'not an IPv4 or IPv6 address' };
  }
  const ip = canonicalIp(text.slice(0, slash));
  const prefix = text.slice(slash + 1);
  if (!ip) return { ok: false, reason: 'the network part of the CIDR range is not an IP address' };
  if (!/^\d{1,3}$/.test(prefix)) return { ok: false, reason: 'the CIDR prefix length is not a number' };
  const max = ip.includes(':') ? 128 : 32;
  const bits = Number(prefix);
  if (bits > max) return { ok: false, reason: `the CIDR prefix length must be at most ${max}` };
  return { ok: true, value: bits === max ? ip : `${ip}/${bits}` };
}

/** An address as 32 (IPv4) or 128 (IPv6) bits, or undefined. */
export function ipBits(text: string): { v6: boolean; bits: bigint } | undefined {
  const t = text.trim().toLowerCase();
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(t);
  if (v4) {
    const parts = v4.slice(1).map(Number);
    if (parts.some((p) => p > 255)) return undefined;
    return { v6: false, bits: BigInt(((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0) };
  }
  if (!t.includes(':') || !/^[0-9a-f:.]+$/.test(t)) return undefined;
  const halves = t.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  // A trailing dotted quad stands for the last two groups.
  const last = (halves.length === 2 ? tail : head);
  const quad = last.length > 0 && last[last.length - 1]!.includes('.') ? ipBits(last.pop()!) : undefined;
  if (quad && quad.v6) return undefined;
  const extra = quad ? [String((Number(quad.bits) >>> 16).toString(16)), (Number(quad.bits) & 0xffff).toString(16)] : [];
  const written = [...head, ...tail, ...extra].length;
  const fill = halves.length === 2 ? 8 - written : 0;
  const all = [...head, ...Array(Math.max(0, fill)).fill('0'), ...tail, ...extra];
  if (all.length !== 8 || all.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return undefined;
  return { v6: true, bits: all.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n) };
}

/** IPv4 addresses sit in IPv6 space at ::ffff:0:0/96, so that both families share one ordering. */
const V4_MAPPED = 0xffffn << 32n;

export interface IpNetwork {
  /** The first address of the range, as 128 bits (IPv4 mapped into IPv6). */
  first: bigint;
  /** The prefix length in that 128-bit space: 128 for one address, 96 + p for an IPv4 /p. */
  prefix: number;
}

/** The network an address or a CIDR range (`a/p`) covers, host bits cleared; undefined when it is neither. */
export function ipNetwork(text: string): IpNetwork | undefined {
  const slash = text.indexOf('/');
  const ip = ipBits(slash < 0 ? text : text.slice(0, slash));
  if (!ip) return undefined;
  const width = ip.v6 ? 128 : 32;
  const len = slash < 0 ? width : Number(text.slice(slash + 1));
  if (!Number.isInteger(len) || len < 0 || len > width || (slash >= 0 && !/^\d{1,3}$/.test(text.slice(slash + 1)))) return undefined;
  const prefix = ip.v6 ? len : 96 + len;
  const bits = ip.v6 ? ip.bits : V4_MAPPED | ip.bits;
  const host = 128 - prefix;
  return { first: (bits >> BigInt(host)) << BigInt(host), prefix };
}

/** The network of the given prefix length that holds an address (prefix no longer than the address's own). */
export function networkAt(first: bigint, prefix: number): bigint {
  const host = BigInt(128 - prefix);
  return (first >> host) << host;
}

/** The last address of a network. */
export function lastAddress(n: IpNetwork): bigint {
  return n.first | ((1n << BigInt(128 - n.prefix)) - 1n);
}
