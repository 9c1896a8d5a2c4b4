import { lastAddress, networkAt } from '../../model/ip.js';
import { runPrecompiled, type Store } from '../db/database.js';
import { chunked, ipBytes } from './index.js';

/** An address or range held by an event, from the value index. */
export interface IpValue {
  id: number;
  first: bigint;
  prefix: number;
}

export interface CidrMatches {
  /** For each stored value that overlaps one of the given ones: the given values it overlaps. */
  matched: Map<number, Set<number>>;
  /** Given ranges that hold more stored values than the limit: matched with the first `limit` only. */
  crowded: Set<number>;
}

/** Bytes back to the 128-bit number they encode. */
export function ipNumber(b: Buffer): bigint {
  return (b.readBigUInt64BE(0) << 64n) | b.readBigUInt64BE(8);
}

/**
 * The stored values whose network overlaps each given one. CIDR blocks either nest or are apart, so
 * overlapping means: a stored range that contains the value, found with one exact lookup per prefix
 * length in use (the network of the value at that length), or a stored value inside the given range,
 * found by a range scan on the first address. Nothing is scanned beyond what matches.
 */
export async function cidrMatches(store: Store, mine: readonly IpValue[], limit: number): Promise<CidrMatches> {
  const out: CidrMatches = { matched: new Map(), crowded: new Set() };
  const add = (other: number, own: number) => {
    if (other === own) return;
    const set = out.matched.get(other);
    if (set) set.add(own);
    else out.matched.set(other, new Set([own]));
  };
  if (mine.length === 0) return out;
  const db = store.db;

  // Asked by every view of an event holding addresses: compiled once, prepared on PostgreSQL.
  const prefixes = (await runPrecompiled(store, 'values.range-prefixes', () => db.selectFrom('value').select('ip_prefix').distinct().where('ip_prefix', '<', 128), [], []))
    .map((r) => r.ip_prefix as number);
  for (const prefix of prefixes) {
    // The network each value would sit in, were it inside a stored range of this length.
    const byNetwork = new Map<string, number[]>();
    for (const v of mine) {
      if (v.prefix <= prefix) continue;
      const key = ipBytes(networkAt(v.first, prefix)).toString('hex');
      const list = byNetwork.get(key);
      if (list) list.push(v.id);
      else byNetwork.set(key, [v.id]);
    }
    for (const part of chunked([...byNetwork.keys()])) {
      const rows = await db.selectFrom('value').select(['id', 'ip_first']).where('ip_prefix', '=', prefix)
        .where('ip_first', 'in', part.map((h) => Buffer.from(h, 'hex'))).execute();
      for (const r of rows) for (const own of byNetwork.get((r.ip_first as Buffer).toString('hex')) ?? []) add(r.id, own);
    }
  }

  for (const v of mine) {
    if (v.prefix === 128) continue;
    const rows = await db.selectFrom('value').select('id')
      .where('ip_first', '>=', ipBytes(v.first)).where('ip_first', '<=', ipBytes(lastAddress(v)))
      .where('ip_prefix', '>=', v.prefix).where('id', '!=', v.id)
      .limit(limit + 1).execute();
    if (rows.length > limit) {
      out.crowded.add(v.id);
      rows.pop();
    }
    for (const r of rows) add(r.id, v.id);
  }
  return out;
}
