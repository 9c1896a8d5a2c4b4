import { getSettings } from '../../store/settings.js';
import type { SyncRunContext } from './run-context.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObject) : isObject(v) ? Object.values(v).filter(isObject) : []);

/** The attribute types and object template uuids a server's pull rules exclude. */
export interface TypeRules {
  attributeTypes: ReadonlySet<string>;
  objectTemplates: ReadonlySet<string>;
}

function notList(rules: Json, field: string): string[] {
  const side = isObject(rules[field]) ? rules[field] : {};
  return Array.isArray(side.NOT) ? side.NOT.map(String).filter(Boolean) : [];
}

/**
 * The type rules a pull applies to the events it receives, as MISP's __updatePulledEventBeforeInsert:
 * only when the instance's `sync.filter_on_type` (MISP's enable_synchronisation_filtering_on_type) is
 * on, the server not internal, and its pull rules exclude some types or templates. The remote is asked
 * with the same rules (events/index's type_attribute), but filters only which events it lists.
 */
export async function pullTypeRules(ctx: SyncRunContext): Promise<TypeRules | undefined> {
  if (ctx.server.flags.internal || (await getSettings(ctx.store))['sync.filter_on_type'] !== 'true') return undefined;
  let rules: unknown;
  try {
    rules = JSON.parse(ctx.server.pullRules || '{}');
  } catch {
    return undefined;
  }
  if (!isObject(rules)) return undefined;
  const attributeTypes = new Set(notList(rules, 'type_attributes'));
  const objectTemplates = new Set(notList(rules, 'type_objects'));
  return attributeTypes.size || objectTemplates.size ? { attributeTypes, objectTemplates } : undefined;
}

/**
 * Leaves out of a pulled event the attributes of an excluded type (loose or in objects), the objects of
 * an excluded template and the objects that filtering emptied. Answers true when the rules emptied the
 * event (it had attributes or objects and has none left): MISP then skips it, and does not count it as
 * a failure.
 */
export function filterByType(event: Json, rules: TypeRules): boolean {
  const keepAttribute = (a: Json) => !rules.attributeTypes.has(String(a.type ?? ''));
  const attributes = list(event.Attribute);
  const objects = list(event.Object);
  const keptAttributes = attributes.filter(keepAttribute);
  const keptObjects = objects.filter((o) => !rules.objectTemplates.has(String(o.template_uuid ?? ''))).flatMap((o) => {
    const inner = list(o.Attribute);
    const kept = inner.filter(keepAttribute);
    return inner.length > 0 && kept.length === 0 ? [] : [{ ...o, Attribute: kept }];
  });
  event.Attribute = keptAttributes;
  event.Object = keptObjects;
  return (attributes.length > 0 || objects.length > 0) && keptAttributes.length === 0 && keptObjects.length === 0;
}
