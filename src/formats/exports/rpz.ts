import { isIP } from 'node:net';
import type { Exporter, ExportOptions } from './exporter.js';
import { valueParts } from './exporter.js';

/** RPZ policies by name, with MISP's numbers for them and the answer each gives. */
const POLICIES = {
  DROP: { id: 0, action: 'rpz-drop.', explanation: 'timeout.' },
  NXDOMAIN: { id: 1, action: '.', explanation: 'return NXDOMAIN (name does not exist) irrespective of actual result received.' },
  NODATA: { id: 2, action: '*.', explanation: 'returns NODATA (name exists but no answers returned) irrespective of actual result received.' },
  'Local-Data': { id: 3, action: '$walled_garden', explanation: 'returns the defined alternate location.' },
  PASSTHRU: { id: 4, action: 'rpz-passthru.', explanation: 'lets queries through, but allows for logging the hits (useful for testing).' },
  'TCP-only': { id: 5, action: 'rpz-tcp-only.', explanation: 'force the client to use TCP.' },
} as const;
type Policy = keyof typeof POLICIES;

/** MISP's defaults for the zone (its Plugin.RPZ_* settings). */
const DEFAULTS = {
  policy: 'NXDOMAIN', walled_garden: '127.0.0.1', ns: 'localhost.', ns_alt: '', email: 'root.localhost',
  serial: '$date00', refresh: '2h', retry: '30m', expiry: '30d', minimum_ttl: '1h', ttl: '1w',
} as const;

function ipOwner(value: string): string {
  const [address, length] = value.split('/') as [string, string | undefined];
  const v6 = isIP(address) === 6;
  const labels = v6 ? address.replace('::', ':zz:').split(':').filter(Boolean).reverse() : address.split('.').reverse();
  return `${length ?? (v6 ? '128' : '32')}.${labels.join('.')}.rpz-ip`;
}

/**
 * MISP's DNS response policy zone: addresses, domains (with every subdomain) and hostnames, each once,
 * under a zone header. Options override the zone settings (`policy`, `ns`, `serial`, …).
 */
export function rpzExporter(options: ExportOptions): Exporter {
  const setting = (k: keyof typeof DEFAULTS): string => (typeof options[k] === 'string' || typeof options[k] === 'number' ? String(options[k]) : DEFAULTS[k]);
  const policyName = setting('policy');
  const policy: Policy = (Object.keys(POLICIES) as Policy[]).find((p) => p === policyName || String(POLICIES[p].id) === policyName) ?? 'NXDOMAIN';
  const items = { ip: new Set<string>(), domain: new Set<string>(), hostname: new Set<string>() };
  return {
    header: () => '',
    add: (a) => {
      if (a.type === 'ip-src' || a.type === 'ip-dst') items.ip.add(a.value);
      else if (a.type === 'domain') items.domain.add(a.value);
      else if (a.type === 'hostname') items.hostname.add(a.value);
      else if (a.type === 'domain|ip') {
        const [domain, ip] = valueParts(a.value);
        items.domain.add(domain);
        items.ip.add(ip);
      }
      return '';
    },
    footer: () => {
      const now = new Date();
      const serial = setting('serial').replace('$date', now.toISOString().slice(0, 10).replace(/-/g, '')).replace('$time', String(Math.floor(now.getTime() / 1000)));
      const action = POLICIES[policy].action.replace('$walled_garden', setting('walled_garden'));
      let out = `$TTL ${setting('ttl')};\n`;
      out += `@               SOA ${setting('ns')} ${setting('email')} (${serial} ${setting('refresh')} ${setting('retry')} ${setting('expiry')} ${setting('minimum_ttl')})\n`;
      out += `                NS ${setting('ns')}\n`;
      if (setting('ns_alt')) out += `                NS ${setting('ns_alt')}\n`;
      out += '\n';
      const explain = (what: string) => `; The following ${what} will ${POLICIES[policy].explanation}\n`;
      if (items.ip.size) out += `${explain('list of IP addresses')}${[...items.ip].map((ip) => `${ipOwner(ip)} CNAME ${action}\n`).join('')}\n`;
      if (items.domain.size) out += `${explain('domain names and all of their sub-domains')}${[...items.domain].map((d) => `${d} CNAME ${action}\n*.${d} CNAME ${action}\n`).join('')}\n`;
      if (items.hostname.size) out += `${explain('hostnames')}${[...items.hostname].map((h) => `${h} CNAME ${action}\n`).join('')}\n`;
      return out;
    },
  };
}
