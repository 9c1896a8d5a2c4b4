import { isIP, isIPv4 } from 'node:net';

/**
 * Indicators in free text, typed as MISP's free-text import types them (its ComplexTypeTool): the text
 * is split on white space, commas, semicolons, angle brackets and backticks (and quoted phrases are tried whole),
 * each piece is trimmed of quotes, dots, commas and brackets, refanged (hxxp, [.], [at] …) and tried
 * in MISP's order: IP, hash, e-mail, IP with port, domain or host name, URL, file name, registry key,
 * CVE, phone number, AS number, bitcoin address. The first of `types` is the one MISP picks
 * (`default_type`); the others are what a user may choose instead. Pure: no I/O.
 */
export interface FreeTextHit {
  value: string;
  original_value: string;
  types: string[];
  default_type: string;
  /** "On port N" when a port was cut off the value. */
  comment?: string;
}

const HEX_HASH_TYPES: Record<number, { single: string[]; composite: string[] }> = {
  32: { single: ['md5', 'imphash', 'x509-fingerprint-md5', 'ja3-fingerprint-md5'], composite: ['filename|md5', 'filename|imphash'] },
  40: { single: ['sha1', 'pehash', 'x509-fingerprint-sha1', 'cdhash'], composite: ['filename|sha1', 'filename|pehash'] },
  56: { single: ['sha224', 'sha512/224'], composite: ['filename|sha224', 'filename|sha512/224'] },
  64: { single: ['sha256', 'authentihash', 'sha512/256', 'x509-fingerprint-sha256'], composite: ['filename|sha256', 'filename|authentihash', 'filename|sha512/256'] },
  96: { single: ['sha384'], composite: ['filename|sha384'] },
  128: { single: ['sha512'], composite: ['filename|sha512'] },
};

const IP_TYPES = ['ip-dst', 'ip-src', 'ip-src/ip-dst'];
const IP_PORT_TYPES = ['ip-dst|port', 'ip-src|port', 'ip-src|port/ip-dst|port'];
const EMAIL_TYPES = ['email', 'email-src', 'email-dst', 'target-email', 'whois-registrant-email'];

/** MISP's fallback list of top-level domains: the generic ones and every two-letter one. */
const DEFAULT_TLDS: ReadonlySet<string> = new Set([
  'biz', 'cat', 'com', 'edu', 'gov', 'int', 'mil', 'net', 'org', 'pro', 'tel', 'aero', 'arpa', 'asia', 'coop', 'info', 'jobs', 'mobi', 'name', 'museum', 'travel', 'onion',
  ...Array.from({ length: 26 * 26 }, (_, i) => String.fromCharCode(97 + Math.floor(i / 26), 97 + (i % 26))),
]);

/** Domains of security vendors: a https URL on them is a link to an analysis, not an indicator. */
const SECURITY_VENDOR_DOMAINS = ['virustotal.com', 'hybrid-analysis.com'];

const REFANG: ReadonlyArray<[RegExp, string]> = [
  [/^(hxxp|hxtp|htxp|meow|h\[tt\]p)/i, 'http'],
  [/(\[\.\]|\[dot\]|\(dot\))/g, '.'],
  [/\[hxxp:\/\/\]/g, 'http://'],
  [/\[@\]|\[at\]/g, '@'],
  [/\[:\]/g, ':'],
];

// PHP's trim with MISP's extra characters: quotes, dot, comma, brackets, space and the control characters.
const TRIM = /^['".,() \t\n\r\0\x0B]+|['".,() \t\n\r\0\x0B]+$/g;

const isHex = (s: string) => /^[0-9a-f]+$/i.test(s);
const hashTypes = (s: string) => (HEX_HASH_TYPES[s.length] && isHex(s) ? HEX_HASH_TYPES[s.length] : undefined);
const isSsdeep = (s: string) => s.includes(':') && /^[0-9]+:[0-9a-zA-Z/+]+:[0-9a-zA-Z/+]+$/.test(s) && !/^[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}$/.test(s);
const isBtc = (s: string) => /^([13][a-km-zA-HJ-NP-Z1-9]{25,34})|(bc|tb)1([023456789acdefghjklmnpqrstuvwxyz]{11,71})$/i.test(s);
const isEmail = (s: string) => /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/.test(s) && !s.includes('..');

/** A file name as MISP's __resolveFilename sees one: a drive letter, or a dot not first, and an alphanumeric, non-numeric extension. */
function isFilename(s: string): boolean {
  if (!(/^.:/.test(s) || s.indexOf('.') > 0)) return false;
  const ext = s.split('.').pop() ?? '';
  return /^[a-z0-9]+$/i.test(ext) && !/^\d+(\.\d+)?$/.test(ext);
}

function isUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return /^[a-z][a-z0-9+.-]*:$/i.test(u.protocol) && u.host !== '';
  } catch {
    return false;
  }
}

function isVendorLink(s: string): boolean {
  const m = /^https:\/\/([^/]*)/i.exec(s);
  if (!m) return false;
  const host = m[1]!.toLowerCase();
  return SECURITY_VENDOR_DOMAINS.some((d) => host === d || host.endsWith(`.${d}`));
}

/** What any of REFANG's patterns needs to find: a bracket, a parenthesis, or a defanged scheme's first letters. */
const MAY_BE_DEFANGED = /[[(]|^(h[xt]|meow)/i;

function refang(raw: string): string {
  let s = raw;
  if (MAY_BE_DEFANGED.test(s)) for (const [from, to] of REFANG) s = s.replace(from, to);
  return s.endsWith('.') ? s.replace(/\.+$/, '') : s;
}

/** isIP, without trying IPv6 on text that has no colon (most of a feed). */
const ipVersion = (s: string) => (s.includes(':') ? isIP(s) : isIPv4(s) ? 4 : 0);

type Typed = Omit<FreeTextHit, 'original_value'>;

function withComment(hit: Typed, comment: string | undefined): Typed {
  if (comment) hit.comment = comment;
  return hit;
}

/** The type of one trimmed piece of text, or undefined when it is no indicator MISP knows. */
export function resolveType(raw: string, tlds: ReadonlySet<string> = DEFAULT_TLDS): Typed | undefined {
  if (ipVersion(raw)) return { types: IP_TYPES, default_type: 'ip-dst', value: raw };
  // Hashes, alone or after a file name.
  const parts = raw.includes('|') ? raw.split('|') : [raw];
  if (parts.length === 2 && isFilename(parts[0]!)) {
    const h = hashTypes(parts[1]!);
    if (h) return { types: h.composite, default_type: h.composite[0]!, value: raw };
    if (isSsdeep(parts[1]!)) return { types: ['filename|ssdeep'], default_type: 'filename|ssdeep', value: raw };
  }
  const h = hashTypes(raw);
  if (h) {
    const types = [...h.single, ...(isBtc(raw) ? ['btc'] : [])];
    return { types, default_type: types[0]!, value: raw };
  }
  if (isSsdeep(raw)) return { types: ['ssdeep'], default_type: 'ssdeep', value: raw };
  const refanged = refang(raw);
  if (refanged.includes('@') && isEmail(refanged)) return { types: EMAIL_TYPES, default_type: 'email-src', value: refanged };
  const port = /(:[0-9]{2,5})$/.exec(refanged);
  const noPort = port ? refanged.slice(0, -port[0].length) : refanged;
  const comment = port ? `On port ${port[0].slice(1)}` : undefined;
  // IP addresses, with a port, in brackets (IPv6 with a port), or as a CIDR block.
  if (ipVersion(noPort)) return withComment(port ? { types: IP_PORT_TYPES, default_type: 'ip-dst|port', value: `${noPort}|${port[0].slice(1)}` } : { types: IP_TYPES, default_type: 'ip-dst', value: noPort }, comment);
  if (refanged.includes(':') && isIP(refanged) === 6) return { types: IP_TYPES, default_type: 'ip-dst', value: refanged };
  if (port && noPort.startsWith('[') && noPort.endsWith(']') && isIP(noPort.slice(1, -1)) === 6) {
    return withComment({ types: IP_PORT_TYPES, default_type: 'ip-dst|port', value: `${noPort.slice(1, -1)}|${port[0].slice(1)}` }, comment);
  }
  const cidr = noPort.split('/');
  if (cidr.length === 2 && ipVersion(cidr[0]!) && /^\d+$/.test(cidr[1]!)) return withComment({ types: IP_TYPES, default_type: 'ip-dst', value: noPort }, comment);
  // Domains and host names (on a known top-level domain), URLs, file names.
  if (noPort.includes('.')) {
    const labels = noPort.split('.');
    if (/^([-\p{L}\p{N}]+\.)+[a-z0-9-]+$/iu.test(noPort) && tlds.has(labels[labels.length - 1]!.toLowerCase())) {
      return withComment(labels.length > 2
        ? { types: ['hostname', 'domain', 'url', 'filename'], default_type: 'hostname', value: noPort }
        : { types: ['domain', 'filename'], default_type: 'domain', value: noPort }, comment);
    }
    if (labels.length > 1 && (isUrl(noPort) || isUrl(`http://${noPort}`))) {
      if (isVendorLink(noPort)) return withComment({ types: ['link'], default_type: 'link', value: noPort }, comment);
      if (noPort.includes('/')) return withComment({ types: ['url'], default_type: 'url', value: noPort }, comment);
    }
    if (isFilename(raw)) return { types: ['filename'], default_type: 'filename', value: raw };
  }
  if (raw.includes('\\')) {
    const pieces = raw.split('\\');
    const last = pieces[pieces.length - 1]!;
    if (last.includes('.') || /^.:/i.test(pieces[0]!)) {
      if (isFilename(last)) return { types: ['filename'], default_type: 'filename', value: raw };
    } else if (pieces[0]) return { types: ['regkey'], default_type: 'regkey', value: raw };
  }
  if (/^cve-[0-9]{4}-[0-9]{4,9}$/i.test(raw)) return { types: ['vulnerability'], default_type: 'vulnerability', value: raw.toUpperCase() };
  if ((raw.startsWith('+') || raw.indexOf('-') > 0) && !/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(raw) && /^(\+)?([0-9]{1,3}(\(0\))?)?[0-9/-]{5,}[0-9]$/.test(raw)) {
    return { types: ['phone-number', 'prtn', 'whois-registrant-phone'], default_type: 'phone-number', value: raw };
  }
  if (/^as[0-9]+$/i.test(raw)) return { types: ['AS'], default_type: 'AS', value: raw.toUpperCase() };
  if (isBtc(raw)) return { types: ['btc'], default_type: 'btc', value: raw };
  return undefined;
}

/** The pieces MISP tries: split on white space and separators, plus every quoted phrase. */
function pieces(text: string): string[] {
  const clean = text.replace(/[\p{C}\u00a0]+/gu, ' ');
  // Backticks too: Markdown's code spans hold indicators.
  const out = clean.split(/\r\n|\n|\r|\s+|,|<|>|;|`/);
  for (const m of clean.matchAll(/"([^"]+)"/g)) out.push(m[1]!);
  return out;
}

/** Text that is a single piece: nothing pieces() would split on, no quoted phrase, no control character. */
const ONE_PIECE = /^[^\s,<>;"`\p{C}]+$/u;

function isOnePiece(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Beyond ASCII, the regular expression knows Unicode's spaces and control characters.
    if (c > 0x7e) return ONE_PIECE.test(text);
    if (c <= 0x20 || c === 0x2c || c === 0x3c || c === 0x3e || c === 0x3b || c === 0x22 || c === 0x60) return false;
  }
  return text.length > 0;
}

/** Characters TRIM takes off: quotes, dot, comma, brackets, space and the control characters. */
const TRIMMED = new Set([...'\'".,() \t\n\r\0\x0B'].map((c) => c.charCodeAt(0)));
const trimmed = (s: string) => (s.length > 0 && (TRIMMED.has(s.charCodeAt(0)) || TRIMMED.has(s.charCodeAt(s.length - 1))) ? s.replace(TRIM, '') : s);

/** Every indicator in a text, each value once, in the order found. */
export function freeTextIndicators(text: string, tlds?: ReadonlySet<string>): FreeTextHit[] {
  // A feed's line is mostly one indicator: typed at once, without splitting and collecting.
  if (isOnePiece(text)) {
    const ioc = trimmed(text);
    const hit = ioc ? resolveType(ioc, tlds) : undefined;
    if (!hit) return [];
    // resolveType's answer is new: it becomes the hit.
    (hit as FreeTextHit).original_value = ioc;
    return [hit as FreeTextHit];
  }
  const found = new Map<string, FreeTextHit>();
  for (const piece of pieces(text)) {
    const ioc = piece.replace(TRIM, '');
    if (!ioc) continue;
    const hit = resolveType(ioc, tlds);
    if (!hit || found.has(hit.value)) continue;
    found.set(hit.value, { ...hit, original_value: ioc });
  }
  return [...found.values()];
}
