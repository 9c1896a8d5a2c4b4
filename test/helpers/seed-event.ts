import { createHash } from 'node:crypto';
import { HASH_HEX_LENGTH } from '../../src/model/values.js';

/** Object relations of the seeds' object attributes, by object name and attribute type. */
const RELATIONS: Record<string, Record<string, string>> = {
  file: { md5: 'md5', sha1: 'sha1', sha256: 'sha256' },
  'virustotal-report': { datetime: 'last-submission', link: 'permalink', text: 'detection-ratio' },
};

function uuidOf(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('/')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A redacted `<md5>` becomes synthetic upper-case hex (the store must lower-case it). */
function valueOf(text: string, seed: string, index: number): string {
  const m = /^<([a-z0-9-]+)>$/.exec(text);
  if (!m) return text;
  const length = HASH_HEX_LENGTH[m[1]!];
  if (!length) throw new Error(`no synthetic value for ${text}`);
  let hex = '';
  for (let i = 0; hex.length < length; i++) hex += createHash('sha256').update(`${seed}/${index}/${i}`).digest('hex');
  return hex.slice(0, length).toUpperCase();
}

function splitComment(line: string): [string, string] {
  const at = line.indexOf(' \u2014 ');
  return at < 0 ? [line, ''] : [line.slice(0, at), line.slice(at + 3)];
}

/**
 * Rebuilds, as MISP JSON, the event a seed report was printed from: the report's own lines give the
 * title, date, threat level, tags, attributes and objects. Objects carry no description, so that the
 * report has to take it from the object templates.
 */
export function eventFromSeed(seedName: string, text: string): { Event: Record<string, unknown> } {
  const lines = text.split('\n');
  const title = /^# Threat Report: (\d{4}-\d{2}-\d{2}): (.*)$/.exec(lines[0]!);
  if (!title) throw new Error('not a seed report');
  const event: Record<string, unknown> = {
    uuid: uuidOf(seedName),
    info: title[2],
    date: title[1],
    timestamp: '1561500000',
    analysis: '2',
    distribution: '3',
    published: true,
    Orgc: { name: 'CIRCL', uuid: '55f6ea5e-2c60-40e5-964f-47a8950d210f' },
  };
  const attributes: Record<string, unknown>[] = [];
  const objects: Record<string, unknown>[] = [];
  let section: 'iocs' | 'objects' | undefined;
  let category = '';
  let object: { name: string; Attribute: Record<string, unknown>[] } | undefined;
  let n = 0;
  for (const line of lines) {
    const level = /^\* Threat Level: (\d)/.exec(line);
    if (level) event.threat_level_id = level[1];
    if (line.startsWith('* Tags: ')) event.Tag = line.slice(8).split(', ').map((name) => ({ name }));
    if (line === '## Indicators of Compromise (IOCs)') section = 'iocs';
    if (line === '## Objects') section = 'objects';
    const heading = /^### (.*)$/.exec(line);
    if (heading && section === 'iocs') category = heading[1]!;
    if (heading && section === 'objects') {
      const name = heading[1]!.split(' \u2014 ')[0]!;
      object = { name, Attribute: [] };
      objects.push({ uuid: uuidOf(seedName, 'object', String(objects.length)), 'meta-category': 'file', distribution: '5', timestamp: '1561500000', ...object });
      object = objects[objects.length - 1] as typeof object;
    }
    const ioc = /^\* ([a-z0-9|-]+): (.*)$/.exec(line);
    if (ioc && section === 'iocs' && !line.startsWith('* Tags') ) {
      const [value, comment] = splitComment(ioc[2]!);
      attributes.push({ uuid: uuidOf(seedName, String(n)), type: ioc[1], category, value: valueOf(value, seedName, n++), comment, timestamp: '1561500000', to_ids: true });
    }
    const member = /^\* \[([^\]]+)\] ([a-z0-9|-]+): (.*)$/.exec(line);
    if (member && object) {
      const [value, comment] = splitComment(member[3]!);
      const type = member[2]!;
      // Feed the datetime in another ISO 8601 notation: the report must print it back as YYYY-MM-DDTHH:MM:SS.
      const given = type === 'datetime' ? `${value}+00:00` : valueOf(value, seedName, n);
      object.Attribute.push({
        uuid: uuidOf(seedName, String(n++)), type, category: member[1], object_relation: RELATIONS[object.name]?.[type] ?? type,
        value: given, comment, timestamp: '1561500000',
      });
    }
  }
  event.Attribute = attributes;
  event.Object = objects;
  return { Event: event };
}
