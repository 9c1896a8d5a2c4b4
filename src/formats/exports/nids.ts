import type { ExportAttribute, Exporter, ExportOptions } from './exporter.js';
import { valueParts } from './exporter.js';

export type NidsDialect = 'suricata' | 'snort';

/** Where MISP starts numbering the rules of a user who set no `nids_sid` of his own. */
const FIRST_SID = 4_000_000;

/** Characters that end or break a rule's content string, written as the hex bytes both engines read. */
function content(text: string): string {
  return text.replace(/[|";:\\]/g, (c) => `|${c.charCodeAt(0).toString(16).padStart(2, '0')}|`);
}

/** A rule's message is free text in quotes: quotes, semicolons and backslashes are escaped. */
function message(text: string): string {
  return text.replace(/[\\";]/g, (c) => `\\${c}`).replace(/[\r\n]+/g, ' ');
}

const pcreQuote = (text: string) => text.replace(/[.\\+*?[^\]$(){}=!<>|:\-#/"]/g, (c) => `\\${c}`);

/** A name as the DNS wire format writes it in a query, for Snort's content match: `|07|example|03|com|00|`. */
function dnsLabels(name: string): string {
  return `${name.split('.').filter(Boolean).map((l) => `|${l.length.toString(16).padStart(2, '0')}|${content(l)}`).join('')}|00|`;
}

function ipPort(a: ExportAttribute): [string, string] {
  const [ip, port] = a.type.endsWith('|port') ? valueParts(a.value) : [a.value, ''];
  return [ip.includes(':') && !ip.startsWith('[') ? `[${ip}]` : ip, port || 'any'];
}

interface Rule {
  proto: string;
  src: string;
  sport: string;
  dst: string;
  dport: string;
  msg: string;
  body: string;
  tag?: string;
}

/**
 * MISP's NIDS export for Suricata or Snort: a commented header naming the variables the rules use, then
 * rules for the network indicators (addresses, domains and hostnames, URLs, e-mail addresses and
 * subjects, user agents), each numbered from the attribute's id so that a rule keeps its sid from one
 * export to the next, with the event's threat level as priority and a link back to the event.
 */
export function nidsExporter(dialect: NidsDialect, options: ExportOptions): Exporter {
  const first = typeof options.nids_sid === 'number' || (typeof options.nids_sid === 'string' && /^\d+$/.test(options.nids_sid)) ? Number(options.nids_sid) : FIRST_SID;
  const suricata = dialect === 'suricata';

  function rulesOf(a: ExportAttribute): Rule[] {
    const [v1, v2] = a.type.includes('|') ? valueParts(a.value) : [a.value, ''];
    const ipDst = (ip: string, port: string): Rule => ({ proto: 'ip', src: '$HOME_NET', sport: 'any', dst: ip, dport: port, msg: `Outgoing To IP: ${ip}`, body: '' });
    const ipSrc = (ip: string, port: string): Rule => ({ proto: 'ip', src: ip, sport: port, dst: '$HOME_NET', dport: 'any', msg: `Incoming From IP: ${ip}`, body: '' });
    const name = (what: string, host: string): Rule[] => {
      const tail = what === 'Domain' ? '' : '\\.';
      const dns: Rule = suricata
        ? { proto: 'dns', src: 'any', sport: 'any', dst: 'any', dport: 'any', msg: `${what} ${host}`,
          body: `dns.query; content:"${content(host)}"; nocase; pcre:"/(^|[^A-Za-z0-9-${tail}])${pcreQuote(host)}$/i";` }
        : { proto: 'udp', src: 'any', sport: 'any', dst: 'any', dport: '53', msg: `${what} ${host}`,
          body: `content:"|01 00 00 01 00 00 00 00 00 00|"; depth:10; offset:2; content:"${dnsLabels(host)}"; fast_pattern; nocase;` };
      const http: Rule = suricata
        ? { proto: 'http', src: '$HOME_NET', sport: 'any', dst: '$EXTERNAL_NET', dport: 'any', msg: `Outgoing HTTP ${what} ${host}`,
          body: `flow:to_server,established; http.host; content:"${content(host)}"; fast_pattern; nocase; pcre:"/(^|[^A-Za-z0-9-${tail}])${pcreQuote(host)}$/i";`, tag: 'tag:session,600,seconds;' }
        : { proto: 'tcp', src: '$HOME_NET', sport: 'any', dst: '$EXTERNAL_NET', dport: '$HTTP_PORTS', msg: `Outgoing HTTP ${what} ${host}`,
          body: `flow:to_server,established; content:"Host|3a|"; nocase; http_header; content:"${content(host)}"; fast_pattern; nocase; http_header;`, tag: 'tag:session,600,seconds;' };
      return [dns, http];
    };
    const mail = (label: string, command: string, address: string): Rule => ({
      proto: 'tcp', src: '$EXTERNAL_NET', sport: 'any', dst: '$SMTP_SERVERS', dport: '25', msg: `${label}: ${address}`,
      body: `flow:established,to_server; content:"${command}|3a|"; nocase; content:"${content(address)}"; fast_pattern; nocase;`,
    });
    switch (a.type) {
      case 'ip-dst': case 'ip-dst|port': return [ipDst(...ipPort(a))];
      case 'ip-src': case 'ip-src|port': return [ipSrc(...ipPort(a))];
      case 'domain': return name('Domain', a.value);
      case 'hostname': return name('Hostname', a.value);
      case 'domain|ip': return [...name('Domain', v1), ipDst(v2, 'any'), ipSrc(v2, 'any')];
      case 'email-src': return [mail('Source Email Address', 'MAIL FROM', a.value)];
      case 'email-dst': return [mail('Destination Email Address', 'RCPT TO', a.value)];
      case 'email': return [mail('Source Email Address', 'MAIL FROM', a.value), mail('Destination Email Address', 'RCPT TO', a.value)];
      case 'email-subject': return [{ ...mail('Bad Email Subject', 'Subject', a.value), msg: `Bad Email Subject: ${a.value}` }];
      case 'user-agent': return [{
        proto: suricata ? 'http' : 'tcp', src: '$HOME_NET', sport: 'any', dst: '$EXTERNAL_NET', dport: suricata ? 'any' : '$HTTP_PORTS', msg: `Outgoing User-Agent: ${a.value}`,
        body: suricata ? `flow:to_server,established; http.user_agent; content:"${content(a.value)}"; nocase;` : `flow:to_server,established; content:"${content(a.value)}"; http_header; nocase;`,
      }];
      case 'url': {
        let url: URL;
        try {
          url = new URL(a.value);
        } catch {
          return [];
        }
        const host = url.hostname.replace(/^\[|\]$/g, '');
        const path = `${url.pathname}${url.search}`;
        if (url.protocol === 'https:') {
          return suricata ? [{ proto: 'tls', src: '$HOME_NET', sport: 'any', dst: '$EXTERNAL_NET', dport: url.port || '443', msg: `Outgoing HTTPS Domain: ${host}`,
            body: `tls.sni; content:"${content(host)}"; nocase;`, tag: 'tag:session,600,seconds;' }] : [];
        }
        if (url.protocol !== 'http:') return [];
        return [suricata
          ? { proto: 'http', src: '$HOME_NET', sport: 'any', dst: '$EXTERNAL_NET', dport: url.port || 'any', msg: `Outgoing HTTP URL: ${a.value}`,
            body: `flow:to_server,established; http.host; content:"${content(host)}"; nocase; http.uri; content:"${content(path)}"; nocase;`, tag: 'tag:session,600,seconds;' }
          : { proto: 'tcp', src: '$HOME_NET', sport: 'any', dst: '$EXTERNAL_NET', dport: '$HTTP_PORTS', msg: `Outgoing HTTP URL: ${a.value}`,
            body: `flow:to_server,established; content:"${content(path)}"; nocase; http_uri; content:"${content(host)}"; nocase; http_header;`, tag: 'tag:session,600,seconds;' }];
      }
      default: return [];
    }
  }

  return {
    header: () => [
      `# MISP export of IDS rules - optimized for ${dialect}`, '#',
      '# These NIDS rules contain some variables that need to exist in your configuration.', '# Make sure you have set:', '#',
      '# $HOME_NET     - Your internal network range', '# $EXTERNAL_NET - The network considered as outside',
      '# $SMTP_SERVERS - All your internal SMTP servers', '# $HTTP_PORTS   - The ports used to contain HTTP traffic (not required with suricata export)', '# ', '',
    ].join('\n'),
    add: (a) => {
      // A snort attribute is a rule already: it is passed on as its author wrote it.
      if (a.type === 'snort') return `${a.value.replace(/[\r\n]+/g, ' ')}\n`;
      const tags = message([...a.tags, ...a.event.tags].join(','));
      return rulesOf(a).map((r, k) => {
        const sid = first + a.id * 10 + 1 + k;
        return `alert ${r.proto} ${r.src} ${r.sport} -> ${r.dst} ${r.dport} (msg: "MISP e${a.event.id} [${tags}] ${message(r.msg)}"; ${r.body} ${r.tag ?? ''} `
          + `classtype:trojan-activity; sid:${sid}; rev:1; priority:${a.event.threatLevelId}; reference:url,${options.baseUrl}/events/view/${a.event.id};) \n`;
      }).join('');
    },
    footer: () => '',
  };
}
