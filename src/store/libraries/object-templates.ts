import { parseObjectTemplate, type ObjectTemplate, type TemplateDescriptions } from '../../libraries/object-template.js';
import type { Store } from '../db/database.js';

/** A stored template: as published, with its id here. */
export interface StoredTemplate {
  id: number;
  template: ObjectTemplate;
}

const stored = (r: { id: number; name: string; definition: string }): StoredTemplate => ({ id: r.id, template: parseObjectTemplate(JSON.parse(r.definition), r.name) });

export async function listObjectTemplates(store: Store): Promise<StoredTemplate[]> {
  return (await store.db.selectFrom('object_template').select(['id', 'name', 'definition']).orderBy('name').execute()).map(stored);
}

/** A template by id, uuid or name. */
export async function objectTemplateByRef(store: Store, ref: string): Promise<StoredTemplate | undefined> {
  const q = store.db.selectFrom('object_template').select(['id', 'name', 'definition']);
  const row = await (/^\d+$/.test(ref) ? q.where('id', '=', Number(ref)) : q.where((eb) => eb.or([eb('uuid', '=', ref.toLowerCase()), eb('name', '=', ref)])))
    .executeTakeFirst();
  return row && stored(row);
}

/** Every stored template by name: objects of a known template are checked against it. */
export async function objectTemplates(store: Store): Promise<Map<string, ObjectTemplate>> {
  return new Map((await listObjectTemplates(store)).map((t) => [t.template.name, t.template]));
}

/** The stored templates' descriptions, for the report's objects that carry none. */
export async function templateDescriptions(store: Store): Promise<TemplateDescriptions> {
  const known = await objectTemplates(store);
  return (name) => known.get(name)?.description || undefined;
}
