import { parseObjectTemplate, type ObjectTemplate, type TemplateDescriptions } from '../formats/misp-objects/templates.js';
import type { Store } from './database.js';

export interface ObjectTemplateInfo {
  id: number;
  uuid: string;
  name: string;
  version: number;
  metaCategory: string;
  description: string;
}

const COLUMNS = ['id', 'uuid', 'name', 'version', 'meta_category', 'description'] as const;

function info(r: { id: number; uuid: string; name: string; version: number; meta_category: string; description: string }): ObjectTemplateInfo {
  return { id: r.id, uuid: r.uuid, name: r.name, version: r.version, metaCategory: r.meta_category, description: r.description };
}

export async function listObjectTemplates(store: Store): Promise<Array<{ info: ObjectTemplateInfo; template: ObjectTemplate }>> {
  const rows = await store.db.selectFrom('object_template').select([...COLUMNS, 'definition']).orderBy('name').execute();
  return rows.map((r) => ({ info: info(r), template: parseObjectTemplate(JSON.parse(r.definition), r.name) }));
}

/** A template by id, uuid or name. */
export async function objectTemplateByRef(store: Store, ref: string): Promise<{ info: ObjectTemplateInfo; template: ObjectTemplate } | undefined> {
  const q = store.db.selectFrom('object_template').select([...COLUMNS, 'definition']);
  const row = await (/^\d+$/.test(ref) ? q.where('id', '=', Number(ref)) : q.where((eb) => eb.or([eb('uuid', '=', ref.toLowerCase()), eb('name', '=', ref)])))
    .executeTakeFirst();
  return row && { info: info(row), template: parseObjectTemplate(JSON.parse(row.definition), row.name) };
}

/** Every stored template by name: objects of a known template are checked against it. */
export async function objectTemplates(store: Store): Promise<Map<string, ObjectTemplate>> {
  return new Map((await listObjectTemplates(store)).map((t) => [t.info.name, t.template]));
}

/** The stored templates' descriptions, for the report's objects that carry none. */
export async function templateDescriptions(store: Store): Promise<TemplateDescriptions> {
  const known = await objectTemplates(store);
  return (name) => known.get(name)?.description || undefined;
}
