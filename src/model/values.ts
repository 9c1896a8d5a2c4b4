import { domainToASCII } from 'node:url';
import { normaliseDatetime } from './datetime.js';
import { canonicalIp, canonicalIpOrCidr } from './ip.js';
import { isCompositeType, isKnownType, splitComposite } from './types.js';

export type ValueCheck = { ok: true; value: string } | { ok: false; reason: string };

const ok = (value: string): ValueCheck => ({ ok: true, value });
const fail = (reason: string): ValueCheck => ({ ok: false, reason });

/** Hex digest types and the number of hex digits each must have. */
export const HASH_HEX_LENGTH: Readonly<Record<string, number>> = {
  md5: 32, sha1: 40, sha224: 56, sha256: 64, sha384: 96, sha512: 128,
  'sha512/224': 56, 'sha512/256': 64,
  'sha3-224': 56, 'sha3-256': 64, 'sha3-384': 96, 'sha3-512': 128,
  imphash: 32, authentihash: 64, pehash: 40, 'git-commit-id': 40, 'dom-hash': 32,
  'x509-fingerprint-md5': 32, 'x509-fingerprint-sha1': 40, 'x509-fingerprint-sha256': 64,
  'ja3-fingerprint-md5': 32, 'jarm-fingerprint': 62, 'hassh-md5': 32, 'hasshserver-md5': 32,
};

const LOWER_CASE = new Set([
  'email', 'email-src', 'email-dst', 'target-email', 'whois-registrant-email', 'dns-soa-email',
  'anonymised', 'cdhash', 'vhash',
]);

const EMAIL = new Set([...LOWER_CASE].filter((t) => t.includes('email')).concat(['eppn', 'jabber-id']));

/** Types whose value is one line of text. */
const SINGLE_LINE = new Set([
  'url', 'uri', 'user-agent', 'regkey', 'filename', 'pdb', 'windows-scheduled-task', 'email-subject',
  'whois-registrant-name', 'whois-registrant-org', 'whois-registrar', 'whois-creation-date',
  'target-user', 'target-machine', 'target-org', 'target-location', 'target-external', 'campaign-name',
  'campaign-id', 'threat-actor', 'malware-type', 'github-username', 'github-repository',
  'github-organisation', 'twitter-id', 'email-message-id', 'email-reply-to', 'email-x-mailer',
  'chrome-extension-id', 'mobile-application-id', 'azure-application-id', 'named pipe', 'mutex',
]);

const DOMAIN_SHAPE = /^[a-z0-9._-]+\.[a-z0-9-]{2,}$/;

function domain(text: string): ValueCheck {
  let v = text.trim().toLowerCase().replace(/^\.+|\.+$/g, '');
  if (!DOMAIN_SHAPE.test(v)) {
    const ascii = domainToASCII(v);
    if (ascii) v = ascii;
  }
  return DOMAIN_SHAPE.test(v) ? ok(v) : fail('not a valid domain name');
}

function hash(type: string, text: string): ValueCheck {
  const length = HASH_HEX_LENGTH[type] as number;
  let v = text.trim().toLowerCase();
  if (type.startsWith('x509-fingerprint')) v = v.replaceAll(':', '');
  if (v.length !== length) return fail(`expected ${length} hexadecimal characters, got ${v.length}`);
  return /^[0-9a-f]+$/.test(v) ? ok(v) : fail(`expected ${length} hexadecimal characters, found a non-hex character`);
}

function port(text: string): ValueCheck {
  const v = text.trim();
  if (!/^\d{1,5}$/.test(v) || Number(v) < 1 || Number(v) > 65535) return fail('a port is a whole number from 1 to 65535');
  return ok(String(Number(v)));
}

function wholeNumber(text: string): ValueCheck {
  const v = text.trim();
  return /^\d+$/.test(v) ? ok(v.replace(/^0+(?=\d)/, '')) : fail('expected a whole number of 0 or more');
}

/** Splits `ip|port` written in any of the ways MISP accepts: `1.2.3.4:80`, `1.2.3.4|80`, `[::1]:80`, `::1|80`. */
function ipPort(text: string): ValueCheck {
  const v = text.trim();
  let ip: string;
  let p: string;
  const bracket = /^\[([^\]]+)\]:(\d+)$/.exec(v);
  if (v.includes('|')) [ip, p] = [v.slice(0, v.lastIndexOf('|')), v.slice(v.lastIndexOf('|') + 1)];
  else if (bracket) [ip, p] = [bracket[1] as string, bracket[2] as string];
  else if (v.includes(':')) [ip, p] = [v.slice(0, v.lastIndexOf(':')), v.slice(v.lastIndexOf(':') + 1)];
  else return fail('expected an address and a port, as ip|port');
  const addr = canonicalIp(ip);
  if (!addr) return fail(`"${ip}" is not an IP address`);
  const checked = port(p);
  return checked.ok ? ok(`${addr}|${checked.value}`) : checked;
}

function singleValue(type: string, raw: string): ValueCheck {
  if (type in HASH_HEX_LENGTH) return hash(type, raw);
  const text = raw.trim();
  switch (type) {
    case 'ip-src':
    case 'ip-dst':
      return canonicalIpOrCidr(text);
    case 'domain':
    case 'hostname':
      return domain(text);
    case 'tlsh': {
      const v = text.toLowerCase();
      const hex = v.startsWith('t1') ? v.slice(2) : v;
      return hex.length >= 35 && /^[0-9a-f]+$/.test(hex) ? ok(v) : fail('expected at least 35 hexadecimal characters, optionally after "t1"');
    }
    case 'telfhash':
      return /^[0-9a-f]{70}([0-9a-f]{2})?$/.test(text.toLowerCase()) ? ok(text.toLowerCase()) : fail('expected 70 or 72 hexadecimal characters');
    case 'ssdeep':
      return /^\d+:[0-9a-zA-Z/+]*:[0-9a-zA-Z/+]*$/.test(text) ? ok(text) : fail('expected blocksize:hash:hash');
    case 'vulnerability': {
      const v = text.replaceAll('\u2013', '-').toUpperCase();
      return /^CVE-\d{4}-\d{4,}$/.test(v) ? ok(v) : fail('expected CVE-YYYY-NNNN');
    }
    case 'weakness': {
      const v = text.toUpperCase();
      return /^CWE-\d+$/.test(v) ? ok(v) : fail('expected CWE-N');
    }
    case 'link': {
      if (!/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(text)) return fail('a link is an absolute URL with a scheme');
      try {
        new URL(text);
        return ok(text);
      } catch {
        return fail('not a valid URL');
      }
    }
    case 'datetime': {
      const v = normaliseDatetime(text);
      return v ? ok(v) : fail('expected an ISO 8601 date and time');
    }
    case 'port':
      return port(text);
    case 'AS': {
      let v = text.replace(/^as/i, '');
      const dot = /^(\d+)\.(\d+)$/.exec(v);
      if (dot) v = String(Number(dot[1]) * 65536 + Number(dot[2]));
      return /^\d+$/.test(v) && Number(v) <= 4294967295 ? ok(String(Number(v))) : fail('an AS number is a whole number up to 4294967295');
    }
    case 'size-in-bytes':
    case 'counter':
      return wholeNumber(text);
    case 'float':
      return text !== '' && Number.isFinite(Number(text)) ? ok(text) : fail('expected a number');
    case 'mac-address':
    case 'mac-eui-64': {
      const hex = text.toLowerCase().replace(/[.:\- ]/g, '');
      const n = type === 'mac-address' ? 12 : 16;
      return hex.length === n && /^[0-9a-f]+$/.test(hex) ? ok(hex.match(/../g)!.join(':')) : fail(`expected ${n / 2} hexadecimal octets`);
    }
    case 'http-method':
      return /^[A-Z-]+$/.test(text.toUpperCase()) ? ok(text.toUpperCase()) : fail('not an HTTP method');
    case 'hex':
      return /^[0-9A-F]+$/i.test(text) ? ok(text.toUpperCase()) : fail('expected hexadecimal characters');
    case 'boolean': {
      const v = text.toLowerCase();
      if (v === 'true' || v === '1') return ok('1');
      if (v === 'false' || v === '0') return ok('0');
      return fail('expected true, false, 1 or 0');
    }
  }
  if (EMAIL.has(type)) {
    const v = LOWER_CASE.has(type) ? text.toLowerCase() : text;
    // MISP's own test, which takes partial and decorated addresses (`"Doe"<doe@example.com>`,
    // `doe@example.com (Doe)`): no white space before the @, and a dot somewhere after it.
    return /^.[^\s]*@.*\..*$/.test(v) ? ok(v) : fail('not a valid e-mail address');
  }
  if (LOWER_CASE.has(type)) return ok(text.toLowerCase());
  if (SINGLE_LINE.has(type) && /[\r\n]/.test(text)) return fail('must be a single line');
  return ok(text);
}

function compositeValue(type: string, raw: string): ValueCheck {
  if (type === 'ip-src|port' || type === 'ip-dst|port') return ipPort(raw);
  const text = type === 'hostname|port' ? raw.trim().replace(/:(\d+)$/, '|$1') : raw.trim();
  const parts = splitComposite(type, text);
  if (!parts) return fail(`a ${type} value has two parts separated by "|"`);
  const [left, right] = parts;
  const [leftType, rightType] = type.split('|') as [string, string];
  const l = leftType === 'filename' ? checkFilename(left) : singleValue(leftType, left);
  if (!l.ok) return fail(`first part: ${l.reason}`);
  const r = rightType === 'ip' ? ipOnly(right) : isKnownType(rightType) ? singleValue(rightType, right) : ok(right.trim());
  if (!r.ok) return fail(`second part: ${r.reason}`);
  return ok(`${l.value}|${r.value}`);
}

function ipOnly(text: string): ValueCheck {
  const ip = canonicalIp(text.trim());
  return ip ? ok(ip) : fail('not an IPv4 or IPv6 address');
}

function checkFilename(name: string): ValueCheck {
  return /[\r\n]/.test(name) ? fail('a file name must be a single line') : ok(name);
}

/**
 * Validates a value for its attribute type and returns it in canonical form (lower-cased hashes and
 * host names, compressed IPv6, punycode, UTC datetimes, …). Types without a rule keep their text, trimmed.
 */
export function normaliseValue(type: string, raw: string): ValueCheck {
  if (!isKnownType(type)) return fail(`unknown attribute type "${type}"`);
  if (raw.trim() === '') return fail('the value is empty');
  return isCompositeType(type) ? compositeValue(type, raw) : singleValue(type, raw);
}
