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
