import { createHash } from 'node:crypto';
import type { Viewer } from '../access/viewer.js';
import { runPrecompiled, type Store } from './db/database.js';
import { touchEvents } from './events/changed.js';
import { uuidToBytes } from './db/uuid.js';
import { attributeVisibleTo, clusterVisibleTo, eventVisibleTo } from './visibility.js';
import { bumpGeneration } from './generations.js';

/** A colour for a tag that arrives without one: stable for a name, so every instance agrees. */
export function tagColour(name: string): string {
  return `#${createHash('sha1').update(name).digest('hex').slice(0, 6)}`;
}

export interface TagUsage extends TagRow {
  /** Events the viewer may see that carry the tag. */
  events: number;
  /** Attributes the viewer may see that carry the tag. */
  attributes: number;
}

/** Every tag, with how often it is used where the viewer may look: never a count of what he may not see. */
export async function listTags(store: Store, viewer: Viewer, nameLike?: string): Promise<TagUsage[]> {
  const db = store.db;
  let q = db.selectFrom('tag').selectAll().orderBy('name');
  if (nameLike) q = q.where('name', 'like', nameLike);
  const tags = await q.execute();
  const events = await db.selectFrom('event_tag').innerJoin('event', 'event.id', 'event_tag.event_id')
    .select(['event_tag.tag_id', (eb) => eb.fn.countAll<number>().as('n')]).where(eventVisibleTo(viewer)).groupBy('event_tag.tag_id').execute();
  const attributes = await db.selectFrom('attribute_tag').innerJoin('attribute', 'attribute.id', 'attribute_tag.attribute_id')
    .innerJoin('event', 'event.id', 'attribute.event_id')
    .select(['attribute_tag.tag_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('attribute.deleted', '=', 0).where(attributeVisibleTo(viewer)).groupBy('attribute_tag.tag_id').execute();
  const ev = new Map(events.map((r) => [r.tag_id, Number(r.n)]));
  const at = new Map(attributes.map((r) => [r.tag_id, Number(r.n)]));
  return tags.map((t) => ({
    id: t.id, name: t.name, colour: t.colour, exportable: t.exportable === 1, hidden: t.hide_tag === 1, orgId: t.org_id, userId: t.user_id,
    events: ev.get(t.id) ?? 0, attributes: at.get(t.id) ?? 0,
  }));
}

/** What a uuid names, as far as the viewer may see: an event, or an attribute with its event. */
export type Tagged = { kind: 'event'; eventId: number } | { kind: 'attribute'; eventId: number; attributeId: number };

export async function findTaggable(store: Store, viewer: Viewer, uuid: string): Promise<Tagged | undefined> {
  const bytes = uuidToBytes(uuid);
  const event = await store.db.selectFrom('event').select('id').where('uuid', '=', bytes).where(eventVisibleTo(viewer)).executeTakeFirst();
  if (event) return { kind: 'event', eventId: event.id };
  const a = await store.db.selectFrom('attribute').innerJoin('event', 'event.id', 'attribute.event_id')
    .select(['attribute.id', 'attribute.event_id']).where('attribute.uuid', '=', bytes).where(attributeVisibleTo(viewer)).executeTakeFirst();
  return a && { kind: 'attribute', eventId: a.event_id, attributeId: a.id };
}

export interface TagRow {
  id: number;
  name: string;
  colour: string;
  exportable: boolean;
  hidden: boolean;
  /** MISP's restrictions: the only organisation, or user, that sees and sets the tag (0: everyone). */
  orgId: number;
  userId: number;
}

/**
 * Tags as MISP's tags/search finds them. Loosely (the default): each term lower-cased and matched with
 * LIKE (`%` as a wildcard) against lower-cased names, and the tags of the galaxy clusters whose value is
 * the term or whose synonym matches it. Strictly: names as given, or ids.
 */
export async function searchTags(store: Store, viewer: Viewer, terms: readonly string[], strict: boolean): Promise<TagRow[]> {
  if (terms.length === 0) return [];
  let q = store.db.selectFrom('tag').select(['id', 'name', 'colour', 'exportable', 'hide_tag', 'org_id', 'user_id']).orderBy('name');
  if (strict) {
    const ids = terms.filter((t) => /^\d+$/.test(t)).map(Number);
    q = q.where((eb) => eb.or([eb('name', 'in', [...terms]), ...(ids.length ? [eb('id', 'in', ids)] : [])]));
  } else {
    const lower = terms.map((t) => t.toLowerCase());
    const clusterTags = await store.db.selectFrom('galaxy_cluster').select('tag_name').where(clusterVisibleTo(viewer))
      .where((eb) => eb.or([
        eb(eb.fn('lower', ['value']), 'in', lower),
        eb('id', 'in', eb.selectFrom('galaxy_cluster_name').select('cluster_id').where('synonym', '=', 1)
          .where((e2) => e2.or(lower.map((t) => e2(e2.fn('lower', ['tag_name']), 'like', `misp-galaxy:%="${t}"`))))),
      ])).execute();
    const patterns = [...new Set([...lower, ...clusterTags.map((c) => c.tag_name.toLowerCase())])];
    q = q.where((eb) => eb.or(patterns.map((p) => eb(eb.fn('lower', ['name']), 'like', p))));
  }
  return (await q.execute()).map((t) => ({
    id: t.id, name: t.name, colour: t.colour, exportable: t.exportable === 1, hidden: t.hide_tag === 1, orgId: t.org_id, userId: t.user_id,
  }));
}

/** An event or attribute by its local id, as far as the viewer may see it. */
export async function findTaggableById(store: Store, viewer: Viewer, kind: Tagged['kind'], id: number): Promise<Tagged | undefined> {
  if (kind === 'event') {
    const event = await store.db.selectFrom('event').select('id').where('id', '=', id).where(eventVisibleTo(viewer)).executeTakeFirst();
    return event && { kind: 'event', eventId: event.id };
  }
  const a = await store.db.selectFrom('attribute').innerJoin('event', 'event.id', 'attribute.event_id')
    .select(['attribute.id', 'attribute.event_id']).where('attribute.id', '=', id).where(attributeVisibleTo(viewer)).executeTakeFirst();
  return a && { kind: 'attribute', eventId: a.event_id, attributeId: a.id };
}

/**
 * Makes the tags a library defines (a taxonomy's), each with its colour, and shows any that were
 * hidden, as MISP's taxonomies/addTag does: one transaction, whatever the number of tags.
 */
export async function saveLibraryTags(store: Store, tags: ReadonlyArray<{ name: string; colour?: string }>): Promise<void> {
  await store.db.transaction().execute(async (trx) => {
    for (const t of tags) {
      const colour = t.colour && COLOUR.test(t.colour) ? t.colour : tagColour(t.name);
      const done = await trx.updateTable('tag').set({ colour, hide_tag: 0 }).where('name', '=', t.name).executeTakeFirst();
      if (Number(done.numUpdatedRows) === 0) await trx.insertInto('tag').values({ name: t.name, colour, exportable: 1, hide_tag: 0 }).execute();
    }
  });
}

/** Hides the existing tags of these names (MISP's taxonomies/disableTag): they stay on what carries them. */
export async function hideTags(store: Store, names: readonly string[]): Promise<void> {
  const CHUNK = 500;
  for (let i = 0; i < names.length; i += CHUNK) {
    await store.db.updateTable('tag').set({ hide_tag: 1 }).where('name', 'in', names.slice(i, i + CHUNK)).where('hide_tag', '=', 0).execute();
  }
}

/** The id of a tag by name, made when missing (if allowed). */
export async function tagId(store: Store, name: string, create: boolean): Promise<number | undefined> {
  const found = await store.db.selectFrom('tag').select('id').where('name', '=', name).executeTakeFirst();
  if (found || !create) return found?.id;
  await store.db.insertInto('tag').values({ name, colour: tagColour(name), exportable: 1, hide_tag: 0 })
    .onConflict((oc) => oc.column('name').doNothing()).execute();
  return (await store.db.selectFrom('tag').select('id').where('name', '=', name).executeTakeFirstOrThrow()).id;
}

/** Which of these tag names exist here already: what a user who may not make tags can still put on. */
export async function existingTagNames(store: Store, names: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  const CHUNK = 500;
  for (let i = 0; i < names.length; i += CHUNK) {
    const rows = await store.db.selectFrom('tag').select('name').where('name', 'in', names.slice(i, i + CHUNK)).execute();
    for (const r of rows) found.add(r.name);
  }
  return found;
}

/** The names of the tags marked not exportable (few, if any). */
export async function nonExportableTags(store: Store): Promise<Set<string>> {
  // Read by every event view: compiled once, prepared on PostgreSQL.
  const rows = await runPrecompiled(store, 'tags.non-exportable', () => store.db.selectFrom('tag').select('name').where('exportable', '=', 0), [], []);
  return new Set(rows.map((r) => r.name));
}

/** Every tag restricted to an organisation or a user, by name (few, if any): what an import checks its tags against. */
export async function restrictedTags(store: Store): Promise<Map<string, { orgId: number; userId: number }>> {
  const rows = await store.db.selectFrom('tag').select(['name', 'org_id', 'user_id'])
    .where((eb) => eb.or([eb('org_id', '!=', 0), eb('user_id', '!=', 0)])).execute();
  return new Map(rows.map((r) => [r.name, { orgId: r.org_id, userId: r.user_id }]));
}

/** Whom a tag (by name) is restricted to; undefined when there is no such tag. */
export async function tagRestriction(store: Store, name: string): Promise<{ orgId: number; userId: number } | undefined> {
  const row = await store.db.selectFrom('tag').select(['org_id', 'user_id']).where('name', '=', name).executeTakeFirst();
  return row && { orgId: row.org_id, userId: row.user_id };
}

/** Puts a tag on an event or attribute; false when it is there already. */
export async function attachTag(store: Store, target: Tagged, tag: number, local: boolean): Promise<boolean> {
  return store.db.transaction().execute(async (trx) => {
    const done = target.kind === 'event'
      ? await trx.insertInto('event_tag').values({ event_id: target.eventId, tag_id: tag, local: local ? 1 : 0, relationship_type: null })
        .onConflict((oc) => oc.columns(['event_id', 'tag_id']).doNothing()).executeTakeFirst()
      : await trx.insertInto('attribute_tag').values({ attribute_id: target.attributeId, event_id: target.eventId, tag_id: tag, local: local ? 1 : 0, relationship_type: null })
        .onConflict((oc) => oc.columns(['attribute_id', 'tag_id']).doNothing()).executeTakeFirst();
    await touchEvents(store, trx, [target.eventId]);
    return Number(done.numInsertedOrUpdatedRows ?? 0) > 0;
  });
}

/** Takes a tag off an event or attribute; what was there (whether it was local), or undefined if it was not. */
export async function detachTag(store: Store, target: Tagged, tag: number): Promise<{ local: boolean } | undefined> {
  return store.db.transaction().execute(async (trx) => {
    const done = target.kind === 'event'
      ? await trx.deleteFrom('event_tag').where('event_id', '=', target.eventId).where('tag_id', '=', tag).returning('local').executeTakeFirst()
      : await trx.deleteFrom('attribute_tag').where('attribute_id', '=', target.attributeId).where('tag_id', '=', tag).returning('local').executeTakeFirst();
    await touchEvents(store, trx, [target.eventId]);
    return done && { local: Boolean(done.local) };
  });
}

/** The name of a tag given by its id. */
export async function tagNameById(store: Store, id: number): Promise<string | undefined> {
  return (await store.db.selectFrom('tag').select('name').where('id', '=', id).executeTakeFirst())?.name;
}

export type TagChange = { ok: true; id: number } | { ok: false; field: string; reason: string };

const COLOUR = /^#[0-9a-fA-F]{6}$/;

/** Adds a tag, or changes one (by id): a name stays unique, a colour is `#rrggbb`. */
export async function saveTag(store: Store, tag: { id?: number; name?: string; colour?: string; exportable?: boolean; hidden?: boolean; orgId?: number; userId?: number }): Promise<TagChange> {
  const name = tag.name?.trim();
  if (tag.id === undefined && !name) return { ok: false, field: 'name', reason: 'a tag needs a name' };
  if (name !== undefined) {
    if (!name) return { ok: false, field: 'name', reason: 'a tag needs a name' };
    let q = store.db.selectFrom('tag').select('id').where('name', '=', name);
    if (tag.id !== undefined) q = q.where('id', '!=', tag.id);
    if (await q.executeTakeFirst()) return { ok: false, field: 'name', reason: `a tag named "${name}" exists already` };
  }
  if (tag.colour !== undefined && !COLOUR.test(tag.colour)) return { ok: false, field: 'colour', reason: `"${tag.colour}" is not a colour such as #ff0000` };
  const values = {
    ...(name !== undefined ? { name } : {}),
    ...(tag.colour !== undefined ? { colour: tag.colour } : {}),
    ...(tag.exportable !== undefined ? { exportable: tag.exportable ? 1 : 0 } : {}),
    ...(tag.hidden !== undefined ? { hide_tag: tag.hidden ? 1 : 0 } : {}),
    ...(tag.orgId !== undefined ? { org_id: tag.orgId } : {}),
    ...(tag.userId !== undefined ? { user_id: tag.userId } : {}),
  };
  if (tag.id === undefined) {
    const row = await store.db.insertInto('tag').values({ name: name!, colour: tag.colour ?? tagColour(name!), exportable: 1, hide_tag: 0, ...values })
      .returning('id').executeTakeFirstOrThrow();
    return { ok: true, id: row.id };
  }
  if (Object.keys(values).length > 0) await store.db.updateTable('tag').set(values).where('id', '=', tag.id).execute();
  return { ok: true, id: tag.id };
}

/** Deletes a tag and takes it off every event and attribute; false when there is none. */
export async function deleteTag(store: Store, id: number): Promise<boolean> {
  return store.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('event_tag').where('tag_id', '=', id).execute();
    await trx.deleteFrom('attribute_tag').where('tag_id', '=', id).execute();
    return Number((await trx.deleteFrom('tag').where('id', '=', id).executeTakeFirst()).numDeletedRows) > 0;
  }).finally(async () => {
    store.idCache.tags.clear();
    await bumpGeneration(store, 'ids');
  });
}

/** The names of the tags on an event or attribute, local ones included. */
export async function tagNamesOn(store: Store, target: Tagged): Promise<string[]> {
  const rows = target.kind === 'event'
    ? await store.db.selectFrom('event_tag').innerJoin('tag', 'tag.id', 'event_tag.tag_id').select('tag.name').where('event_tag.event_id', '=', target.eventId).execute()
    : await store.db.selectFrom('attribute_tag').innerJoin('tag', 'tag.id', 'attribute_tag.tag_id').select('tag.name').where('attribute_tag.attribute_id', '=', target.attributeId).execute();
  return rows.map((r) => r.name);
}

/** The tags on some attributes, by attribute id, in the order they were put on (the attributes must be the caller's to see). */
export async function tagsOfAttributes(store: Store, attributeIds: readonly number[]): Promise<Map<number, Array<{ id: number; name: string; colour: string | null; local: boolean; relationshipType: string | null }>>> {
  const out = new Map<number, Array<{ id: number; name: string; colour: string | null; local: boolean; relationshipType: string | null }>>();
  if (attributeIds.length === 0) return out;
  const rows = await store.db.selectFrom('attribute_tag').innerJoin('tag', 'tag.id', 'attribute_tag.tag_id')
    .select(['attribute_tag.attribute_id', 'tag.id', 'tag.name', 'tag.colour', 'attribute_tag.local', 'attribute_tag.relationship_type'])
    .where('attribute_tag.attribute_id', 'in', [...attributeIds]).orderBy('attribute_tag.id').execute();
  for (const r of rows) {
    const list = out.get(r.attribute_id) ?? [];
    list.push({ id: r.id, name: r.name, colour: r.colour, local: Boolean(r.local), relationshipType: r.relationship_type });
    out.set(r.attribute_id, list);
  }
  return out;
}
