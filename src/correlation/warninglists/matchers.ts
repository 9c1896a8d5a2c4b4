import { ipBits } from '../../model/ip.js';
/** The lookup structures behind warninglists: none of them loops over a list's entries per value. */

/** Hosts and every parent domain: `a.b.example.com` is on a list that names `example.com`. */
export class HostnameMatcher {
  private readonly hosts = new Map<string, number[]>();

  add(entry: string, list: number): void {
    const host = entry.toLowerCase().replace(/^\*?\.+|\.+$/g, '');
    if (host) push(this.hosts, host, list);
  }

  match(host: string, into: Set<number>): void {
    let h = host.toLowerCase().replace(/\.+$/, '');
    for (;;) {
      for (const l of this.hosts.get(h) ?? []) into.add(l);
      const dot = h.indexOf('.');
      if (dot < 0) return;
      h = h.slice(dot + 1);
    }
  }
}

/** Aho–Corasick: every entry found anywhere in a value, in one pass over the value. */
export class SubstringMatcher {
  private readonly next: Array<Map<number, number>> = [new Map()];
  private readonly fail: number[] = [0];
  private readonly out: number[][] = [[]];
  private built = false;

  add(entry: string, list: number): void {
    let node = 0;
    for (const ch of entry.toLowerCase()) {
      const c = ch.codePointAt(0)!;
      let to = this.next[node]!.get(c);
      if (to === undefined) {
        to = this.next.length;
        this.next.push(new Map());
        this.fail.push(0);
        this.out.push([]);
        this.next[node]!.set(c, to);
      }
      node = to;
    }
    if (!this.out[node]!.includes(list)) this.out[node]!.push(list);
    this.built = false;
  }

  private build(): void {
    const queue: number[] = [];
    for (const to of this.next[0]!.values()) {
      this.fail[to] = 0;
      queue.push(to);
    }
    for (let i = 0; i < queue.length; i++) {
      const node = queue[i]!;
      for (const [c, to] of this.next[node]!) {
        let f = this.fail[node]!;
        while (f !== 0 && !this.next[f]!.has(c)) f = this.fail[f]!;
        const target = this.next[f]!.get(c);
        this.fail[to] = target !== undefined && target !== to ? target : 0;
        for (const l of this.out[this.fail[to]!]!) if (!this.out[to]!.includes(l)) this.out[to]!.push(l);
        queue.push(to);
      }
    }
    this.built = true;
  }

  match(text: string, into: Set<number>): void {
    if (!this.built) this.build();
    let node = 0;
    for (const ch of text.toLowerCase()) {
      const c = ch.codePointAt(0)!;
      while (node !== 0 && !this.next[node]!.has(c)) node = this.fail[node]!;
      node = this.next[node]!.get(c) ?? 0;
      for (const l of this.out[node]!) into.add(l);
    }
  }
}

/** CIDR ranges by prefix length: a value is checked with one lookup per length that lists use. */
export class CidrMatcher {
  // IPv4 networks as plain numbers (cheap); IPv6 ones as bigints.
  private readonly v4 = new Map<number, Map<number, number[]>>();
  private readonly v6 = new Map<number, Map<bigint, number[]>>();

  add(entry: string, list: number): void {
    const [addr, len] = entry.split('/');
    const ip = ipBits(addr ?? '');
    if (!ip) return;
    const width = ip.v6 ? 128 : 32;
    const prefix = len === undefined ? width : Number(len);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > width) return;
    if (ip.v6) {
      let m = this.v6.get(prefix);
      if (!m) this.v6.set(prefix, (m = new Map()));
      push(m, ip.bits >> BigInt(128 - prefix), list);
    } else {
      let m = this.v4.get(prefix);
      if (!m) this.v4.set(prefix, (m = new Map()));
      push(m, Math.floor(Number(ip.bits) / 2 ** (32 - prefix)), list);
    }
  }

  /** An address, or a range (`a/p`), matches a list range that contains it. */
  match(value: string, into: Set<number>): void {
    const slash = value.indexOf('/');
    const ip = ipBits(slash < 0 ? value : value.slice(0, slash));
    if (!ip) return;
    const width = ip.v6 ? 128 : 32;
    const own = slash < 0 ? width : Number(value.slice(slash + 1));
    if (ip.v6) {
      for (const [prefix, m] of this.v6) {
        if (prefix <= own) for (const l of m.get(ip.bits >> BigInt(128 - prefix)) ?? []) into.add(l);
      }
      return;
    }
    const n = Number(ip.bits);
    for (const [prefix, m] of this.v4) {
      if (prefix <= own) for (const l of m.get(Math.floor(n / 2 ** (32 - prefix))) ?? []) into.add(l);
    }
  }
}

function push<K>(map: Map<K, number[]>, key: K, value: number): void {
  const list = map.get(key);
  if (!list) map.set(key, [value]);
  else if (!list.includes(value)) list.push(value);
}
