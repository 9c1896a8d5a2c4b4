import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction, Updateable } from 'kysely';
import type { Viewer } from '../../access/viewer.js';
import type { OrganisationRef, SharingGroupRef } from '../../model/event.js';
import type { Store } from '../db/database.js';
import type { Database, SharingGroupTable } from '../db/schema.js';
import { bytesToUuid, uuidToBytes } from '../db/uuid.js';
import { sharingGroupVisibleTo } from '../visibility.js';

export interface SharingGroupMember {
  org: { id: number; uuid: string; name: string; local: boolean };
  /** The organisation may add others to the group. */
  extend: boolean;
}

export interface SharingGroup {
  id: number;
  uuid: string;
  name: string;
  description: string;
  releasability: string;
  active: boolean;
  roaming: boolean;
  local: boolean;
  created: number;
  modified: number;
  /** The organisation that made the group. */
  org: { id: number; uuid: string; name: string; local: boolean };
  organisations: SharingGroupMember[];
  /** Instances in the group; server 0 is this one, and `allOrgs` there takes every organisation of it. */
  servers: Array<{ serverId: number; allOrgs: boolean }>;
}

export interface SharingGroupInput {
  name: string;
  description?: string;
  releasability?: string;
  active?: boolean;
  roaming?: boolean;
  uuid?: string;
}

type Db = Kysely<Database> | Transaction<Database>;
const now = () => Math.floor(Date.now() / 1000);

async function readGroups(db: Db, ids: readonly number[]): Promise<SharingGroup[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('sharing_group').innerJoin('organisation', 'organisation.id', 'sharing_group.org_id')
    .selectAll('sharing_group').select(['organisation.uuid as org_uuid', 'organisation.name as org_name', 'organisation.local as org_local'])
    .where('sharing_group.id', 'in', ids).orderBy('sharing_group.id').execute();
  const members = await db.selectFrom('sharing_group_org').innerJoin('organisation', 'organisation.id', 'sharing_group_org.org_id')
    .select(['sharing_group_org.sharing_group_id', 'sharing_group_org.extend', 'organisation.id', 'organisation.uuid', 'organisation.name', 'organisation.local'])
    .where('sharing_group_org.sharing_group_id', 'in', ids).orderBy('sharing_group_org.id').execute();
  const servers = await db.selectFrom('sharing_group_server').selectAll().where('sharing_group_id', 'in', ids).orderBy('id').execute();
  return rows.map((r) => ({
    id: r.id, uuid: bytesToUuid(r.uuid), name: r.name, description: r.description, releasability: r.releasability,
    active: r.active === 1, roaming: r.roaming === 1, local: r.local === 1, created: r.created, modified: r.modified,
    org: { id: r.org_id, uuid: bytesToUuid(r.org_uuid), name: r.org_name, local: r.org_local === 1 },
    organisations: members.filter((m) => m.sharing_group_id === r.id).map((m) => ({
      org: { id: m.id, uuid: bytesToUuid(m.uuid), name: m.name, local: m.local === 1 }, extend: m.extend === 1,
    })),
    servers: servers.filter((s) => s.sharing_group_id === r.id).map((s) => ({ serverId: s.server_id, allOrgs: s.all_orgs === 1 })),
  }));
}

/** Ids of the sharing groups the viewer may see; a builder of its own for the query catalogue (src/store/queries/catalogue.ts). */
export function visibleSharingGroupsQuery(db: Db, viewer: Viewer) {
  return db.selectFrom('sharing_group').select('id').where(sharingGroupVisibleTo(viewer)).orderBy('id');
}

/** The sharing groups the viewer may see: those his organisation is in or made (all, for site admins). */
export async function listSharingGroups(store: Store, viewer: Viewer): Promise<SharingGroup[]> {
  const ids = await visibleSharingGroupsQuery(store.db, viewer).execute();
  return readGroups(store.db, ids.map((r) => r.id));
}

/** One sharing group by id or uuid, when the viewer may see it. */
export async function findSharingGroup(store: Store, viewer: Viewer, ref: { id: number } | { uuid: string }): Promise<SharingGroup | undefined> {
  const row = await store.db.selectFrom('sharing_group').select('id')
    .where((eb) => ('id' in ref ? eb('sharing_group.id', '=', ref.id) : eb('sharing_group.uuid', '=', uuidToBytes(ref.uuid))))
    .where(sharingGroupVisibleTo(viewer)).executeTakeFirst();
  return row ? (await readGroups(store.db, [row.id]))[0] : undefined;
}

/** Names and uuids of sharing groups by id, for showing what an item is shared with. */
export async function sharingGroupNames(db: Db, ids: Iterable<number | null>): Promise<Map<number, SharingGroupRef>> {
  const wanted = [...new Set([...ids].filter((id): id is number => id !== null))];
  if (wanted.length === 0) return new Map();
  const rows = await db.selectFrom('sharing_group').select(['id', 'uuid', 'name']).where('id', 'in', wanted).execute();
  return new Map(rows.map((r) => [r.id, { id: r.id, uuid: bytesToUuid(r.uuid), name: r.name }]));
}

export type SharingGroupChange = { ok: true; group: SharingGroup } | { ok: false; field: string; reason: string };

/**
 * Makes a sharing group on this instance, owned by its maker's organisation (which may edit it) and
 * with no member yet: as MISP's REST add, the maker's organisation sees what is shared with the
 * group once it is added as a member, like any other.
 */
export async function addSharingGroup(store: Store, input: SharingGroupInput, orgId: number): Promise<SharingGroupChange> {
  const name = input.name.trim();
  if (!name) return { ok: false, field: 'name', reason: 'a sharing group needs a name' };
  const uuid = (input.uuid ?? randomUUID()).toLowerCase();
  const taken = await store.db.selectFrom('sharing_group').select(['name', 'uuid'])
    .where((eb) => eb.or([eb('name', '=', name), eb('uuid', '=', uuidToBytes(uuid))])).executeTakeFirst();
  if (taken) return taken.name === name ? { ok: false, field: 'name', reason: `a sharing group named "${name}" exists already` } : { ok: false, field: 'uuid', reason: 'a sharing group holds this uuid already' };
  const id = await store.db.transaction().execute(async (trx) => {
    const row = await trx.insertInto('sharing_group').values({
      uuid: uuidToBytes(uuid), name, description: input.description ?? '', releasability: input.releasability ?? '', org_id: orgId,
      active: input.active === false ? 0 : 1, roaming: input.roaming ? 1 : 0, local: 1, created: now(), modified: now(),
    }).returning('id').executeTakeFirstOrThrow();
    await trx.insertInto('sharing_group_server').values({ sharing_group_id: row.id, server_id: 0, all_orgs: 0 }).execute();
    return row.id;
  });
  return { ok: true, group: (await readGroups(store.db, [id]))[0]! };
}

export async function editSharingGroup(store: Store, id: number, input: Partial<SharingGroupInput>): Promise<SharingGroupChange> {
  const set: Updateable<SharingGroupTable> = { modified: now() };
  if (input.name !== undefined) {
    const name = input.name.trim();
    if (!name) return { ok: false, field: 'name', reason: 'a sharing group needs a name' };
    const other = await store.db.selectFrom('sharing_group').select('id').where('name', '=', name).where('id', '!=', id).executeTakeFirst();
    if (other) return { ok: false, field: 'name', reason: `a sharing group named "${name}" exists already` };
    set.name = name;
  }
  if (input.description !== undefined) set.description = input.description;
  if (input.releasability !== undefined) set.releasability = input.releasability;
  if (input.active !== undefined) set.active = input.active ? 1 : 0;
  if (input.roaming !== undefined) set.roaming = input.roaming ? 1 : 0;
  await store.db.updateTable('sharing_group').set(set).where('id', '=', id).execute();
  return { ok: true, group: (await readGroups(store.db, [id]))[0]! };
}

/** How many events, attributes, objects and reports are shared with the group. */
export async function sharingGroupUses(store: Store, id: number): Promise<number> {
  let n = 0;
  for (const table of ['event', 'attribute', 'object', 'event_report'] as const) {
    const r = await store.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).where('sharing_group_id', '=', id).executeTakeFirstOrThrow();
    n += Number(r.n);
  }
  return n;
}

export async function deleteSharingGroup(store: Store, id: number): Promise<void> {
  await store.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('sharing_group_org').where('sharing_group_id', '=', id).execute();
    await trx.deleteFrom('sharing_group_server').where('sharing_group_id', '=', id).execute();
    await trx.deleteFrom('sharing_group').where('id', '=', id).execute();
  });
}

/** Adds an organisation to a group, or changes whether it may extend it. */
export async function setSharingGroupOrg(store: Store, groupId: number, orgId: number, extend: boolean): Promise<void> {
  await store.db.insertInto('sharing_group_org').values({ sharing_group_id: groupId, org_id: orgId, extend: extend ? 1 : 0 })
    .onConflict((oc) => oc.columns(['sharing_group_id', 'org_id']).doUpdateSet({ extend: extend ? 1 : 0 })).execute();
  await store.db.updateTable('sharing_group').set({ modified: now() }).where('id', '=', groupId).execute();
}

/** False when the organisation was not in the group. */
export async function removeSharingGroupOrg(store: Store, groupId: number, orgId: number): Promise<boolean> {
  const r = await store.db.deleteFrom('sharing_group_org').where('sharing_group_id', '=', groupId).where('org_id', '=', orgId).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Whether every organisation of this instance is in the group (server 0 with all_orgs). */
export async function setSharingGroupAllLocalOrgs(store: Store, groupId: number, allOrgs: boolean): Promise<void> {
  await store.db.insertInto('sharing_group_server').values({ sharing_group_id: groupId, server_id: 0, all_orgs: allOrgs ? 1 : 0 })
    .onConflict((oc) => oc.columns(['sharing_group_id', 'server_id']).doUpdateSet({ all_orgs: allOrgs ? 1 : 0 })).execute();
}

/** Another instance (a server) in the group, or out of it (MISP's addServer / removeServer); with all_orgs every organisation of it is a member. */
export async function setSharingGroupServer(store: Store, groupId: number, serverId: number, member: boolean, allOrgs: boolean): Promise<void> {
  if (!member) {
    await store.db.deleteFrom('sharing_group_server').where('sharing_group_id', '=', groupId).where('server_id', '=', serverId).execute();
    return;
  }
  await store.db.insertInto('sharing_group_server').values({ sharing_group_id: groupId, server_id: serverId, all_orgs: allOrgs ? 1 : 0 })
    .onConflict((oc) => oc.columns(['sharing_group_id', 'server_id']).doUpdateSet({ all_orgs: allOrgs ? 1 : 0 })).execute();
}

/**
 * The local id of a sharing group an imported item names by uuid. A group unknown here is created
 * (MISP's capture) with the organisations the source lists and the event's creator, so that those who
 * were meant to see the item see it here and nobody else does. A reference without a uuid names no
 * group this instance can know: the item stays with its owner.
 */
export async function captureSharingGroup(trx: Transaction<Database>, ref: SharingGroupRef, creatorOrgId: number,
  orgId: (org: OrganisationRef) => Promise<number>): Promise<number | null> {
  if (!ref.uuid) return null;
  const uuid = uuidToBytes(ref.uuid);
  const known = await trx.selectFrom('sharing_group').select('id').where('uuid', '=', uuid).executeTakeFirst();
  if (known) return known.id;
  let name = ref.name?.trim() || `Sharing group ${ref.uuid}`;
  if (await trx.selectFrom('sharing_group').select('id').where('name', '=', name).executeTakeFirst()) name = `${name} (${ref.uuid})`;
  const row = await trx.insertInto('sharing_group').values({
    uuid, name, description: '', releasability: '', org_id: creatorOrgId, active: 1, roaming: 0, local: 0, created: now(), modified: now(),
  }).returning('id').executeTakeFirstOrThrow();
  const members = new Set([creatorOrgId]);
  for (const o of ref.organisations ?? []) members.add(await orgId(o));
  for (const m of members) await trx.insertInto('sharing_group_org').values({ sharing_group_id: row.id, org_id: m, extend: 0 }).execute();
  return row.id;
}
