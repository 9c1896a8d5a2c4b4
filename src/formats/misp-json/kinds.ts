import { isUuid } from '../../model/event.js';
import { isObject, type JsonObject } from './coerce.js';

/*
 * What a JSON document given to the importer is, when it is not a MISP event: MISP's other documents
 * (galaxies, object templates, sharing groups, …) are named as what they are, so that a file given by
 * mistake is not reported as an event that lacks its title.
 */

const has = (o: JsonObject, ...keys: string[]) => keys.every((k) => k in o);

/** The MISP document kinds told apart from events, each by the keys only it carries. */
const KINDS: ReadonlyArray<[string, (o: JsonObject) => boolean]> = [
  ['a galaxy', (o) => Array.isArray(o.GalaxyCluster) || (has(o, 'namespace', 'type', 'name') && !has(o, 'info') && !('predicates' in o))],
  ['a galaxy cluster', (o) => isObject(o.GalaxyCluster) || (has(o, 'values', 'authors', 'category') && Array.isArray(o.values))],
  ['an object template', (o) => isObject(o.attributes) && (has(o, 'requiredOneOf') || has(o, 'required') || has(o, 'meta-category'))],
  ['a sharing group', (o) => (isObject(o.SharingGroup) || Array.isArray(o.SharingGroupOrg)) && !has(o, 'info')],
  ['a taxonomy', (o) => has(o, 'namespace', 'predicates')],
  ['a warninglist', (o) => has(o, 'list', 'matching_attributes') || (has(o, 'list', 'type', 'name') && Array.isArray(o.list))],
  ['a noticelist', (o) => has(o, 'notice', 'name')],
  ['an organisation', (o) => isObject(o.Organisation) && !has(o, 'info')],
  ['a user', (o) => isObject(o.User)],
  ['a server', (o) => isObject(o.Server)],
  ['a MISP object', (o) => isObject(o.Object) || (has(o, 'name', 'Attribute') && ('template_uuid' in o || 'meta-category' in o) && !has(o, 'info'))],
  ['an attribute', (o) => isObject(o.Attribute) || (has(o, 'type', 'value', 'category') && !has(o, 'info'))],
  ['a sighting', (o) => isObject(o.Sighting) || (has(o, 'type', 'value') && !has(o, 'info'))],
  ['a feed manifest (import the feed\'s folder instead)', (o) => {
    const entries = Object.entries(o);
    return entries.length > 0 && entries.every(([k, v]) => isUuid(k) && isObject(v) && 'info' in v);
  }],
];

/** Keys by which a bare object (not wrapped in `{"Event": …}`) is an event, even without a uuid. */
const EVENT_KEYS = ['uuid', 'info', 'Attribute', 'Object', 'EventReport', 'threat_level_id', 'analysis', 'Orgc'];

/** What the document is when it is another kind of MISP document than an event, else undefined. */
export function otherMispKind(doc: unknown): string | undefined {
  if (!isObject(doc) || isObject(doc.Event)) return undefined;
  return KINDS.find(([, test]) => test(doc))?.[0];
}

/** Whether a bare object reads as an event: `{"Event": …}`, or the event's own fields. */
export function looksLikeEvent(doc: unknown): boolean {
  return isObject(doc) && (isObject(doc.Event) || EVENT_KEYS.some((k) => k in doc));
}
