import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseMispEvent } from '../../src/formats/misp-json/parse.js';
import { serializeMispEvent } from '../../src/formats/misp-json/serialize.js';
import type { Attribute, MispEvent, MispObject } from '../../src/model/event.js';

/** Every MISP event file under a folder, however deep (a feed's events may sit in a misp-feed/ folder), by uuid. */
export function feedEventFiles(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/^[0-9a-f-]{36}\.json$/i.test(name)) out.set(name.slice(0, 36).toLowerCase(), path);
    }
  };
  walk(root);
  return out;
}

export function readEventFile(path: string): MispEvent {
  const parsed = parseMispEvent(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.event) throw new Error(`${path}: ${JSON.stringify(parsed.problems.slice(0, 3))}`);
  return parsed.event;
}

type J = unknown;

/**
 * The differences between two JSON documents, one line each (`path: expected … got …`). Arrays whose
 * elements have a uuid are matched by uuid, other arrays position by position.
 */
export function jsonDiff(expected: J, got: J, path = '', out: string[] = []): string[] {
  if (Array.isArray(expected) && Array.isArray(got)) {
    const keyed = (list: J[]) => list.every((x) => x && typeof x === 'object' && typeof (x as { uuid?: unknown }).uuid === 'string');
    if (keyed(expected) && keyed(got) && expected.length > 0) {
      const byUuid = new Map(got.map((x) => [(x as { uuid: string }).uuid, x]));
      for (const e of expected) {
        const u = (e as { uuid: string }).uuid;
        if (!byUuid.has(u)) out.push(`${path}[${u}]: missing`);
        else jsonDiff(e, byUuid.get(u), `${path}[${u}]`, out);
        byUuid.delete(u);
      }
      for (const u of byUuid.keys()) out.push(`${path}[${u}]: not expected`);
      return out;
    }
    for (let i = 0; i < Math.max(expected.length, got.length); i++) jsonDiff(expected[i], got[i], `${path}[${i}]`, out);
    return out;
  }
  if (expected && got && typeof expected === 'object' && typeof got === 'object' && !Array.isArray(expected) && !Array.isArray(got)) {
    const e = expected as Record<string, J>;
    const g = got as Record<string, J>;
    for (const k of new Set([...Object.keys(e), ...Object.keys(g)])) jsonDiff(e[k], g[k], `${path}.${k}`, out);
    return out;
  }
  if (JSON.stringify(expected) !== JSON.stringify(got)) out.push(`${path}: expected ${JSON.stringify(expected)?.slice(0, 120)}, got ${JSON.stringify(got)?.slice(0, 120)}`);
  return out;
}

/** An event as it should travel: its live items only, its tags without the local ones (an export leaves both out). */
export function liveEvent(e: MispEvent): MispEvent {
  const tags = <T extends { local: boolean }>(list: readonly T[]) => list.filter((t) => !t.local);
  const attribute = (a: Attribute): Attribute => ({ ...a, tags: tags(a.tags) });
  const object = (o: MispObject): MispObject => ({ ...o, attributes: o.attributes.filter((a) => !a.deleted).map(attribute), references: o.references.filter((r) => !r.deleted) });
  return { ...e, tags: tags(e.tags), attributes: e.attributes.filter((a) => !a.deleted).map(attribute), objects: e.objects.filter((o) => !o.deleted).map(object),
    reports: e.reports.filter((r) => !r.deleted) };
}

/** The whole MISP JSON of an event, as compared by the round trip: everything but what the store assigns (Org, the local ids). */
export function fullJson(e: MispEvent): J {
  const { Event } = serializeMispEvent({ ...liveEvent(e), org: null } as MispEvent, { omitLocalTags: true });
  const sortBy = (list: unknown, key: string) => Array.isArray(list) ? [...list].sort((a, b) => String(a[key]).localeCompare(String(b[key]))) : list;
  const doc = Event as Record<string, unknown>;
  doc.Tag = sortBy(doc.Tag, 'name');
  for (const a of [...(doc.Attribute as Array<Record<string, unknown>>), ...(doc.Object as Array<{ Attribute: Array<Record<string, unknown>> }>).flatMap((o) => o.Attribute)]) {
    if (a.Tag) a.Tag = sortBy(a.Tag, 'name');
  }
  return doc;
}

/** Event fields a misp-stix bundle does not carry: MISP's converter writes no label or property for them. */
export const NOT_IN_MISP_STIX = ['date', 'analysis', 'threat_level_id', 'distribution'] as const;

/**
 * What a bundle of MISP's converter carries of an event, as JSON to compare: the event's info, published
 * state and tags, each attribute's type, value, category, to_ids, comment and tags, each object's name,
 * comment, attributes (relation, type, value, to_ids) and references.
 */
export function mispStixJson(e: MispEvent): J {
  const live = liveEvent(e);
  const names = (list: ReadonlyArray<{ name: string }>) => list.map((t) => t.name).sort();
  return {
    info: live.info, published: live.published, timestamp: live.timestamp, Tag: names(live.tags),
    Attribute: live.attributes.map((a) => ({ uuid: a.uuid, type: a.type, value: a.value, category: a.category, to_ids: a.to_ids, comment: a.comment, Tag: names(a.tags) })),
    Object: live.objects.map((o) => ({
      uuid: o.uuid, name: o.name, comment: o.comment,
      Attribute: o.attributes.map((a) => `${a.object_relation}|${a.type}|${a.to_ids ? 'ids' : '-'}|${a.value}`).sort(),
      References: o.references.map((r) => `${r.relationship_type} ${r.referenced_uuid}`).sort(),
    })),
  };
}
