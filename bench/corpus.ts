/**
 * A deterministic generator of MISP-shaped events: a realistic mix of types, values that recur across
 * events with a long-tailed distribution, objects, and tags. The same seed always gives the same corpus.
 */

/** mulberry32: small, fast and good enough to shape test data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Gen = (r: () => number, n: number) => string;

const hex = (r: () => number, len: number) => {
  let s = '';
  while (s.length < len) s += Math.floor(r() * 0x100000000).toString(16).padStart(8, '0');
  return s.slice(0, len);
};
const WORDS = ['update', 'secure', 'cloud', 'mail', 'cdn', 'portal', 'login', 'static', 'api', 'files', 'sync', 'data', 'office', 'service', 'account', 'verify'];
const TLDS = ['com', 'net', 'org', 'info', 'ru', 'cn', 'io', 'xyz', 'top', 'biz'];
const word = (n: number) => WORDS[n % WORDS.length]!;
const domainOf = (n: number) => `${word(n)}-${word(n >> 4)}${n.toString(36)}.${TLDS[n % TLDS.length]}`;
const ipv4Of = (n: number) => `${1 + (n % 223)}.${(n >> 8) & 255}.${(n >> 16) & 255}.${(n * 7) & 255}`;

/** Type, category, share of all attributes, and how a value numbered n is written. */
const MIX: Array<[string, string, number, Gen]> = [
  ['domain', 'Network activity', 0.28, (_, n) => domainOf(n)],
  ['url', 'Network activity', 0.14, (_, n) => `http://${domainOf(n >> 2)}/${word(n)}/${n.toString(36)}.php`],
  ['ip-dst', 'Network activity', 0.12, (_, n) => ipv4Of(n)],
  ['hostname', 'Network activity', 0.06, (_, n) => `${word(n >> 3)}.${domainOf(n)}`],
  ['sha256', 'Payload delivery', 0.1, (r) => hex(r, 64)],
  ['md5', 'Payload delivery', 0.08, (r) => hex(r, 32)],
  ['sha1', 'Payload delivery', 0.05, (r) => hex(r, 40)],
  ['ip-src', 'Network activity', 0.03, (_, n) => ipv4Of(n * 13)],
  ['email-src', 'Payload delivery', 0.02, (_, n) => `${word(n)}.${n.toString(36)}@${domainOf(n >> 5)}`],
  ['filename', 'Payload delivery', 0.03, (_, n) => `${word(n)}_${n.toString(36)}.exe`],
  ['text', 'Other', 0.03, (_, n) => `Observed during campaign ${n.toString(36)}`],
  ['link', 'External analysis', 0.02, (_, n) => `https://reports.example.org/${n.toString(36)}`],
  ['vulnerability', 'External analysis', 0.01, (_, n) => `CVE-20${10 + (n % 15)}-${1000 + (n % 40000)}`],
  ['ip-dst|port', 'Network activity', 0.01, (_, n) => `${ipv4Of(n)}|${1 + (n % 65000)}`],
  ['domain|ip', 'Network activity', 0.01, (_, n) => `${domainOf(n)}|${ipv4Of(n >> 1)}`],
  ['filename|sha256', 'Payload delivery', 0.01, (r, n) => `${word(n)}.dll|${hex(r, 64)}`],
];

const TAGS = ['tlp:white', 'tlp:green', 'tlp:amber', 'type:OSINT', 'osint:source-type="blog-post"',
  'misp-galaxy:threat-actor="APT28"', 'misp-galaxy:threat-actor="Lazarus Group"', 'misp-galaxy:malware="Emotet"',
  'misp-galaxy:tool="Cobalt Strike"', 'admiralty-scale:source-reliability="b"'];

function uuid(r: () => number): string {
  const h = hex(r, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[Math.floor(r() * 4)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Picks the number of a value: mostly fresh, otherwise one from a shared pool where low numbers are far
 * more likely (a few values appear in many events, most in one).
 */
function valueNumber(r: () => number, fresh: () => number, pool: number): number {
  if (r() < 0.7) return fresh();
  return Math.floor(pool * r() ** 4);
}

export interface CorpusOptions {
  attributes: number;
  seed?: number;
  /** Every event of this many attributes (the last one may hold fewer); long-tailed sizes otherwise. */
  eventSize?: number;
  /** Values shared between events are drawn from this many (default: attributes / 20). */
  pool?: number;
  /** The first number of values that appear once: another corpus's fresh values are not this one's. */
  freshFrom?: number;
}

/** Events of the corpus, one at a time, until the attribute budget is spent. */
export function* generateEvents(options: CorpusOptions): Generator<{ Event: Record<string, unknown> }> {
  const r = rng(options.seed ?? 1);
  let left = options.attributes;
  let fresh = options.freshFrom ?? 1_000_000;
  const next = () => fresh++;
  const pool = options.pool ?? Math.max(1000, Math.floor(options.attributes / 20));
  const cumulative: number[] = [];
  let acc = 0;
  for (const [, , share] of MIX) cumulative.push((acc += share));
  let eventNo = 0;
  const baseTime = 1_600_000_000;
  while (left > 0) {
    // Event sizes are long-tailed too: most events hold tens of attributes, a few hold thousands.
    const size = Math.min(left, options.eventSize ?? Math.max(5, Math.floor(20 + 3000 * r() ** 6)));
    left -= size;
    const ts = baseTime + eventNo * 3600;
    const attrs: Record<string, unknown>[] = [];
    const objects: Record<string, unknown>[] = [];
    let remaining = size;
    while (remaining > 0) {
      if (remaining >= 4 && r() < 0.05) {
        const n = valueNumber(r, next, pool);
        const fr = rng(n);
        objects.push({
          uuid: uuid(r), name: 'file', 'meta-category': 'file', description: 'File object describing a file with meta-information',
          template_uuid: '688c46fb-5edb-40a3-8273-1af7923e2215', template_version: '25', distribution: '5', timestamp: String(ts), comment: '',
          Attribute: [
            ['filename', 'filename', `${word(n)}_${n.toString(36)}.exe`],
            ['md5', 'md5', hex(fr, 32)],
            ['sha1', 'sha1', hex(fr, 40)],
            ['sha256', 'sha256', hex(fr, 64)],
          ].map(([rel, type, value]) => ({
            uuid: uuid(r), type, category: 'Payload delivery', object_relation: rel, value, to_ids: type !== 'filename',
            distribution: '5', timestamp: String(ts), comment: '', disable_correlation: false, deleted: false,
          })),
        });
        remaining -= 4;
        continue;
      }
      const pick = r() * acc;
      const [type, category, , gen] = MIX[cumulative.findIndex((c) => pick < c)] ?? MIX[0]!;
      const n = valueNumber(r, next, pool);
      const a: Record<string, unknown> = {
        uuid: uuid(r), type, category, value: gen(rng(n), n), to_ids: type !== 'text' && type !== 'link',
        distribution: '5', timestamp: String(ts), comment: r() < 0.1 ? 'seen in the wild' : '', disable_correlation: false, deleted: false,
      };
      if (r() < 0.02) a.Tag = [{ name: TAGS[Math.floor(r() * TAGS.length)], colour: '#336699' }];
      attrs.push(a);
      remaining--;
    }
    const tagCount = 1 + Math.floor(r() * 3);
    const tags = new Set<string>();
    for (let i = 0; i < tagCount; i++) tags.add(TAGS[Math.floor(r() * TAGS.length)]!);
    yield {
      Event: {
        uuid: uuid(r), info: `Generated campaign ${eventNo} (${size} indicators)`, date: new Date(ts * 1000).toISOString().slice(0, 10),
        threat_level_id: String(1 + Math.floor(r() * 4)), analysis: String(Math.floor(r() * 3)), distribution: '3',
        published: true, publish_timestamp: String(ts), timestamp: String(ts),
        Orgc: { name: `Generated Org ${eventNo % 7}`, uuid: `00000000-0000-4000-8000-00000000000${eventNo % 7}` },
        Tag: [...tags].map((name) => ({ name, colour: '#336699' })),
        Attribute: attrs, Object: objects,
      },
    };
    eventNo++;
  }
}
