// Frozen with migration 005 (see README.md).

/** An address as 32 (IPv4) or 128 (IPv6) bits, or undefined. */
function ipBits(text: string): { v6: boolean; bits: bigint } | undefined {
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

/**
 * The network an address or a CIDR range (`a/p`) covers, host bits cleared, in 128-bit space (an IPv4
 * /p is a /96+p there); undefined when the text is neither. The live CIDR lookups compare these.
 */
export function ipNetwork(text: string): { first: bigint; prefix: number } | undefined {
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

/** The 16 big-endian bytes of a 128-bit number. */
export function ipBytes(n: bigint): Buffer {
  const b = Buffer.alloc(16);
  b.writeBigUInt64BE(n >> 64n, 0);
  b.writeBigUInt64BE(n & 0xffffffffffffffffn, 8);
  return b;
}
