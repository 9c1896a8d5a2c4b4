import { randomUUID } from 'node:crypto';
import type { Viewer } from '../access/viewer.js';
import { decayFormula, type DecayFormula, type DecayParameters } from '../model/decaying-model.js';
import type { LibraryDecayingModel } from '../libraries/decaying-model.js';
import type { Store } from './db/database.js';
import { decayingModelVisibleTo } from './visibility.js';

/** A decaying model as stored, with the attribute types linked to it. */
export interface DecayingModelRecord extends Omit<LibraryDecayingModel, 'attributeTypes'> {
  id: number;
  /** The attribute types the library gives a library model (none for the others). */
  libraryTypes: string[];
  orgId: number;
  enabled: boolean;
  allOrgs: boolean;
  /** Read from the misp-decaying-models library: only enabled and all_orgs change, and it is never deleted. */
  isDefault: boolean;
  /** The attribute types linked to it (linkAttributeTypeToModel), with the ids of those links. */
  mappings: Array<{ id: number; type: string }>;
}

/** Which models a listing holds, among those the viewer may see. */
export interface DecayingModelFilter {
  ids?: readonly number[];
  enabled?: boolean;
  /** Only his organisation's models and the shared ones, site admins included (the models that score a search unasked). */
  own?: boolean;
  /** Only this organisation's (MISP's my_models). */
  orgId?: number;
  /** Only those shown to all organisations / only the library's. */
  allOrgs?: boolean;
  isDefault?: boolean;
}

function list(text: string): string[] {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/** The models the viewer may see that the filter asks for, newest first (as MISP's index), with their linked types. */
export async function listDecayingModels(store: Store, viewer: Viewer, filter: DecayingModelFilter = {}): Promise<DecayingModelRecord[]> {
  if (filter.ids && filter.ids.length === 0) return [];
  let q = store.db.selectFrom('decaying_model').selectAll().where(decayingModelVisibleTo(viewer, filter.own ?? false)).orderBy('id', 'desc');
  if (filter.ids) q = q.where('id', 'in', [...filter.ids]);
  if (filter.enabled !== undefined) q = q.where('enabled', '=', filter.enabled ? 1 : 0);
  if (filter.orgId !== undefined) q = q.where('org_id', '=', filter.orgId);
  if (filter.allOrgs !== undefined) q = q.where('all_orgs', '=', filter.allOrgs ? 1 : 0);
  if (filter.isDefault !== undefined) q = q.where('is_default', '=', filter.isDefault ? 1 : 0);
  const rows = await q.execute();
  if (rows.length === 0) return [];
  const links = await store.db.selectFrom('decaying_model_mapping').select(['id', 'model_id', 'attribute_type'])
    .where('model_id', 'in', rows.map((r) => r.id)).orderBy('id').execute();
  return rows.map((r) => ({
    id: r.id, uuid: r.uuid, name: r.name, description: r.description, formula: decayFormula(r.formula) ?? 'Polynomial', version: Number(r.version),
    parameters: JSON.parse(r.parameters) as DecayParameters, libraryTypes: list(r.attribute_types), ref: list(r.ref), orgId: r.org_id,
    enabled: r.enabled === 1, allOrgs: r.all_orgs === 1, isDefault: r.is_default === 1,
    mappings: links.filter((l) => l.model_id === r.id).map((l) => ({ id: l.id, type: l.attribute_type })),
  }));
}

/** One model by id, when the viewer may see it. */
export async function findDecayingModel(store: Store, viewer: Viewer, id: number): Promise<DecayingModelRecord | undefined> {
  return (await listDecayingModels(store, viewer, { ids: [id] }))[0];
}

/** Every attribute type a model scores: its library's and those linked to it. */
export function modelTypes(m: DecayingModelRecord): string[] {
  return [...new Set([...m.libraryTypes, ...m.mappings.map((l) => l.type)])];
}

export interface NewDecayingModel {
  name: string;
  description: string;
  formula: DecayFormula;
  parameters: DecayParameters;
  ref: string[];
  orgId: number;
  enabled: boolean;
  allOrgs: boolean;
  /** Attribute types to link to it. */
  types: readonly string[];
}

/** Adds a model of an organisation (never a library one); its id. */
export async function addDecayingModel(store: Store, m: NewDecayingModel): Promise<number> {
  return store.db.transaction().execute(async (trx) => {
    const row = await trx.insertInto('decaying_model').values({
      uuid: randomUUID(), name: m.name, description: m.description, parameters: JSON.stringify(m.parameters), attribute_types: '[]',
      ref: JSON.stringify(m.ref), formula: m.formula, version: 1, org_id: m.orgId, enabled: m.enabled ? 1 : 0, all_orgs: m.allOrgs ? 1 : 0, is_default: 0,
    }).returning('id').executeTakeFirstOrThrow();
    const types = [...new Set(m.types)];
    if (types.length) await trx.insertInto('decaying_model_mapping').values(types.map((t) => ({ model_id: row.id, attribute_type: t }))).execute();
    return row.id;
  });
}

export type DecayingModelChanges = Partial<Pick<DecayingModelRecord, 'name' | 'description' | 'formula' | 'parameters' | 'enabled' | 'allOrgs'>>;

/** Changes what is given of a model (the caller decides what may change). */
export async function editDecayingModel(store: Store, id: number, c: DecayingModelChanges): Promise<void> {
  const set = {
    ...(c.name !== undefined ? { name: c.name } : {}),
    ...(c.description !== undefined ? { description: c.description } : {}),
    ...(c.formula !== undefined ? { formula: c.formula } : {}),
    ...(c.parameters !== undefined ? { parameters: JSON.stringify(c.parameters) } : {}),
    ...(c.enabled !== undefined ? { enabled: c.enabled ? 1 : 0 } : {}),
    ...(c.allOrgs !== undefined ? { all_orgs: c.allOrgs ? 1 : 0 } : {}),
  };
  if (Object.keys(set).length) await store.db.updateTable('decaying_model').set(set).where('id', '=', id).execute();
}

/** Deletes a model, and its links with it. */
export async function deleteDecayingModel(store: Store, id: number): Promise<void> {
  await store.db.deleteFrom('decaying_model').where('id', '=', id).execute();
}

/** Links exactly these attribute types to a model (those linked before and not named go). */
export async function linkAttributeTypes(store: Store, id: number, types: readonly string[]): Promise<void> {
  await store.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('decaying_model_mapping').where('model_id', '=', id).execute();
    const unique = [...new Set(types)];
    if (unique.length) await trx.insertInto('decaying_model_mapping').values(unique.map((t) => ({ model_id: id, attribute_type: t }))).execute();
  });
}

/**
 * Stores the library's models, as MISP's DecayingModel::update: one new to the store is added (disabled,
 * shown to all, owned by `orgId`); one whose version rose (any, with `force`) takes the library's name,
 * description, formula, parameters, types and references, keeping its id, enabled and all_orgs. The
 * names of those added and of those changed.
 */
export async function saveLibraryModels(store: Store, models: readonly LibraryDecayingModel[], orgId: number, force = false): Promise<{ installed: string[]; updated: string[] }> {
  const installed: string[] = [];
  const updated: string[] = [];
  await store.db.transaction().execute(async (trx) => {
    const stored = new Map((await trx.selectFrom('decaying_model').select(['id', 'uuid', 'version']).execute()).map((r) => [r.uuid, r]));
    for (const m of models) {
      const fields = {
        name: m.name, description: m.description, formula: m.formula, version: m.version, parameters: JSON.stringify(m.parameters),
        attribute_types: JSON.stringify(m.attributeTypes), ref: JSON.stringify(m.ref),
      };
      const existing = stored.get(m.uuid);
      if (!existing) {
        await trx.insertInto('decaying_model').values({ ...fields, uuid: m.uuid, org_id: orgId, enabled: 0, all_orgs: 1, is_default: 1 }).execute();
        stored.set(m.uuid, { id: 0, uuid: m.uuid, version: m.version });
        installed.push(m.name);
      } else if (force || m.version > Number(existing.version)) {
        await trx.updateTable('decaying_model').set(fields).where('id', '=', existing.id).execute();
        updated.push(m.name);
      }
    }
  });
  return { installed, updated };
}
