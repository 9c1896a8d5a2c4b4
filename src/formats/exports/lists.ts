import { createHash, getHashes } from 'node:crypto';
import type { ExportAttribute, Exporter, ExportOptions } from './exporter.js';
import { valueParts } from './exporter.js';

/** MISP's `text`: every distinct value once, one per line. */
export function textExporter(): Exporter {
  const seen = new Set<string>();
  return {
    header: () => '',
    add: (a) => {
      if (seen.has(a.value)) return '';
      seen.add(a.value);
      return `${a.value}\n`;
    },
    footer: () => '',
  };
}

const HASHES = new Set([
  'md5', 'sha1', 'sha256', 'sha224', 'sha384', 'sha512', 'sha512/224', 'sha512/256', 'sha3-224', 'sha3-256', 'sha3-384', 'sha3-512',
  'ssdeep', 'imphash', 'tlsh', 'x509-fingerprint-sha1', 'x509-fingerprint-md5', 'x509-fingerprint-sha256', 'pehash', 'authentihash', 'impfuzzy',
]);

/** MISP's `hashes`: the hash of every hash attribute, and the hash half of `filename|<hash>` and `malware-sample`. */
export function hashesExporter(): Exporter {
  return {
    header: () => '',
    add: (a) => {
      if (HASHES.has(a.type)) return `${a.value}\n`;
      if (a.type === 'malware-sample' || (a.type.startsWith('filename|') && HASHES.has(a.type.slice(9)))) return `${valueParts(a.value)[1]}\n`;
      return '';
    },
    footer: () => '',
  };
}

/**
 * MISP's `cache`: a digest of each value (md5 unless `hash_type` names another algorithm), with the
 * event's uuid when `includeEventUuid` is set: for tools that check values without holding them.
 */
export function cacheExporter(options: ExportOptions): Exporter {
  const algorithm = typeof options.hash_type === 'string' && options.hash_type ? options.hash_type.toLowerCase() : 'md5';
  if (!getHashes().includes(algorithm)) throw new RangeError(`hash_type "${algorithm}" is not a hash algorithm this server knows`);
  const withEvent = Boolean(options.includeEventUuid) && options.includeEventUuid !== '0' && options.includeEventUuid !== 'false';
  return {
    header: () => '',
    add: (a: ExportAttribute) => `${createHash(algorithm).update(a.value).digest('hex')}${withEvent ? `,${a.event.uuid}` : ''}\n`,
    footer: () => '',
  };
}
