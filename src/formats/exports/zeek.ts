import type { ExportAttribute, Exporter, ExportOptions } from './exporter.js';
import { valueParts } from './exporter.js';

const FILE_HASHES = ['md5', 'sha1', 'sha256', 'sha224', 'sha384', 'sha512', 'sha512/224', 'sha512/256', 'authentihash', 'ssdeep', 'imphash', 'pehash', 'impfuzzy', 'tlsh', 'cdhash'];

/** Zeek intel types by MISP type: of the value, and of the second half of a composite. */
const MAPPING: Record<string, [string, string?]> = {
  'ip-src': ['ADDR'], 'ip-dst': ['ADDR'], 'ip-src|port': ['ADDR'], 'ip-dst|port': ['ADDR'],
  email: ['EMAIL'], 'email-src': ['EMAIL'], 'email-dst': ['EMAIL'], 'target-email': ['EMAIL'],
  'email-attachment': ['FILE_NAME'], filename: ['FILE_NAME'], pdb: ['FILE_NAME'],
  hostname: ['DOMAIN'], domain: ['DOMAIN'], 'domain|ip': ['DOMAIN', 'ADDR'],
  url: ['URL'], 'user-agent': ['SOFTWARE'], 'ja3-fingerprint-md5': ['JA3'], 'x509-fingerprint-sha1': ['CERT_HASH'],
  'malware-sample': ['FILE_NAME', 'FILE_HASH'],
  ...Object.fromEntries(FILE_HASHES.flatMap((h) => [[h, ['FILE_HASH']], [`filename|${h}`, ['FILE_NAME', 'FILE_HASH']]])),
};

/** Tabs and line breaks would break Zeek's columns. */
const clean = (text: string) => text.replace(/[\t\r\n]+/g, ' ');

/** MISP's Zeek (Bro) intel file: one indicator per line, with where it came from. */
export function zeekExporter(options: ExportOptions): Exporter {
  const row = (a: ExportAttribute, indicator: string, type: string) => {
    const source = `MISP (${a.event.uuid}) - ${a.event.orgc}`;
    const desc = clean(`${a.event.info}. ${a.comment}`);
    return `${clean(indicator)}\tIntel::${type}\t${clean(source)}\t${desc}\t${options.baseUrl}/events/view/${a.event.id}\tT\t-\n`;
  };
  return {
    header: () => '#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\tmeta.url\tmeta.do_notice\tmeta.if_in\n',
    add: (a) => {
      const map = MAPPING[a.type];
      if (!map) return '';
      const composite = a.type.includes('|') || a.type === 'malware-sample';
      const [first, second] = composite ? valueParts(a.value) : [a.value, ''];
      const [firstType, secondType] = map;
      // A URL loses its scheme; ip|port keeps the address (its port has no Zeek intel type).
      const value = a.type === 'url' ? first.replace(/^https?:\/\//i, '') : first;
      let out = row(a, value, firstType === 'ADDR' && value.includes('/') ? 'SUBNET' : firstType);
      if (secondType && second) out += row(a, second, secondType);
      return out;
    },
    footer: () => '',
  };
}
