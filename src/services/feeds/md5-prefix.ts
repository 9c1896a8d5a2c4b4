import { hash } from 'node:crypto';

/**
 * The first 52 bits of a text's MD5 (of its UTF-8 bytes), the key of the feed cache. A feed of a
 * million values hashes a million short texts: through node:crypto each pays a native call and a
 * Buffer, several times MD5's own work on one block. A text of ASCII characters short enough for one
 * block (up to 55 bytes: nearly every indicator) is hashed here; any other goes to node:crypto.
 */
export function md5Prefix52(value: string): number {
  const n = value.length;
  if (n > 55) return viaCrypto(value);
  const m = WORDS;
  m.fill(0);
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c > 0x7f) return viaCrypto(value);
    m[i >> 2]! |= c << ((i & 3) << 3);
  }
  m[n >> 2]! |= 0x80 << ((n & 3) << 3);
  m[14] = n << 3;
  let a = 0x67452301;
  let b = 0xefcdab89 | 0;
  let c = 0x98badcfe | 0;
  let d = 0x10325476;
  for (let i = 0; i < 64; i++) {
    let f: number;
    let g: number;
    if (i < 16) {
      f = (b & c) | (~b & d);
      g = i;
    } else if (i < 32) {
      f = (d & b) | (~d & c);
      g = (5 * i + 1) & 15;
    } else if (i < 48) {
      f = b ^ c ^ d;
      g = (3 * i + 5) & 15;
    } else {
      f = c ^ (b | ~d);
      g = (7 * i) & 15;
    }
    const t = d;
    d = c;
    c = b;
    const x = (a + f + K[i]! + m[g]!) | 0;
    const s = S[i]!;
    b = (b + ((x << s) | (x >>> (32 - s)))) | 0;
    a = t;
  }
  a = (a + 0x67452301) | 0;
  b = (b + (0xefcdab89 | 0)) | 0;
  // The digest's bytes are the words little-endian: its first six bytes and a half, read big-endian.
  const first4 = ((a & 0xff) * 0x1000000) + (((a >>> 8) & 0xff) << 16) + (((a >>> 16) & 0xff) << 8) + ((a >>> 24) & 0xff);
  return (first4 * 65536 + ((b & 0xff) << 8) + ((b >>> 8) & 0xff)) * 16 + (((b >>> 16) & 0xff) >> 4);
}

function viaCrypto(value: string): number {
  const d = hash('md5', value, 'buffer');
  return d.readUIntBE(0, 6) * 16 + (d[6]! >> 4);
}

const WORDS = new Int32Array(16);
const S = Int32Array.from([
  7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
  5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
  4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
  6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
]);
const K = Int32Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) | 0);
