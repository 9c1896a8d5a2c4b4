import { randomUUID } from 'node:crypto';
import type { Updateable } from 'kysely';
import { isUuid } from '../../model/event.js';
import type { Store } from '../db/database.js';
import type { OrganisationTable } from '../db/schema.js';
import { bytesToUuid, uuidToBytes } from '../db/uuid.js';
import { bumpGeneration } from '../generations.js';

export interface Organisation {
  id: number;
  uuid: string;
  name: string;
  /** An organisation of this instance, as opposed to one known from shared data. */
  local: boolean;
  description: string;
  type: string;
  nationality: string;
  sector: string;
  contacts: string;
  created: number;
}

/** What a user record carries of his organisation. */
export type OrganisationSummary = Pick<Organisation, 'id' | 'uuid' | 'name' | 'local'>;

export type OrganisationFields = Partial<Pick<Organisation, 'name' | 'local' | 'description' | 'type' | 'nationality' | 'sector' | 'contacts'>>;

const now = () => Math.floor(Date.now() / 1000);

function orgQuery(store: Store) {
  return store.db.selectFrom('organisation').select(['id', 'uuid', 'name', 'local', 'description', 'type', 'nationality', 'sector', 'contacts', 'created']);
}

type OrgRow = Awaited<ReturnType<ReturnType<typeof orgQuery>['execute']>>[number];

const toOrganisation = (r: OrgRow): Organisation => ({ ...r, uuid: bytesToUuid(r.uuid), local: r.local === 1 });

export async function listOrganisations(store: Store): Promise<Organisation[]> {
  return (await orgQuery(store).orderBy('id').execute()).map(toOrganisation);
}

/** The host organisation: the instance's own, the first local one made (on first start). */
export async function hostOrganisationId(store: Store): Promise<number | undefined> {
  const row = await store.db.selectFrom('organisation').select('id').where('local', '=', 1).orderBy('id').limit(1).executeTakeFirst();
  return row?.id;
}

/** An organisation by its name or uuid. */
export async function findOrganisation(store: Store, nameOrUuid: string): Promise<Organisation | undefined> {
  const uuid = isUuid(nameOrUuid.toLowerCase()) ? uuidToBytes(nameOrUuid.toLowerCase()) : undefined;
  const r = await orgQuery(store).where((eb) => (uuid ? eb.or([eb('name', '=', nameOrUuid), eb('uuid', '=', uuid)]) : eb('name', '=', nameOrUuid))).executeTakeFirst();
  return r && toOrganisation(r);
}

export async function findOrganisationById(store: Store, id: number): Promise<Organisation | undefined> {
  const r = await orgQuery(store).where('id', '=', id).executeTakeFirst();
  return r && toOrganisation(r);
}

/** Adds a local organisation; an organisation known from shared data becomes local instead. */
export async function addOrganisation(store: Store, name: string, uuid: string = randomUUID(), fields: OrganisationFields = {}): Promise<Organisation> {
  const known = await store.db.selectFrom('organisation').select('id').where('name', '=', name).executeTakeFirst();
  if (known) await store.db.updateTable('organisation').set({ local: 1 }).where('id', '=', known.id).execute();
  else await store.db.insertInto('organisation').values({ uuid: uuidToBytes(uuid), name, local: 1, created: now() }).execute();
  const made = (await findOrganisation(store, name))!;
  const { name: _name, local: _local, ...rest } = fields;
  return Object.keys(rest).length > 0 ? ((await editOrganisation(store, made.id, rest)) as { organisation: Organisation }).organisation : made;
}


export type OrganisationChange = { ok: true; organisation: Organisation } | { ok: false; field: string; reason: string };

/** Changes what an administrator may change of an organisation; a name stays unique. */
export async function editOrganisation(store: Store, id: number, fields: OrganisationFields): Promise<OrganisationChange> {
  const set: Updateable<OrganisationTable> = {};
  if (fields.name !== undefined) {
    const name = fields.name.trim();
    if (!name) return { ok: false, field: 'name', reason: 'an organisation needs a name' };
    const other = await store.db.selectFrom('organisation').select('id').where('name', '=', name).where('id', '!=', id).executeTakeFirst();
    if (other) return { ok: false, field: 'name', reason: `an organisation named "${name}" exists already` };
    set.name = name;
  }
  if (fields.local !== undefined) set.local = fields.local ? 1 : 0;
  for (const k of ['description', 'type', 'nationality', 'sector', 'contacts'] as const) if (fields[k] !== undefined) set[k] = fields[k];
  if (Object.keys(set).length > 0) await store.db.updateTable('organisation').set(set).where('id', '=', id).execute();
  return { ok: true, organisation: (await findOrganisationById(store, id))! };
}

/** What still names an organisation, and so keeps it from being deleted; empty when nothing does. */
export async function organisationInUse(store: Store, id: number): Promise<string[]> {
  const uses: string[] = [];
  const count = async (q: { executeTakeFirstOrThrow(): Promise<{ n: number | string | bigint }> }) => Number((await q.executeTakeFirstOrThrow()).n);
  const users = await count(store.db.selectFrom('user').select((eb) => eb.fn.countAll<number>().as('n')).where('org_id', '=', id));
  if (users > 0) uses.push(`${users} users`);
  const events = await count(store.db.selectFrom('event').select((eb) => eb.fn.countAll<number>().as('n')).where((eb) => eb.or([eb('org_id', '=', id), eb('orgc_id', '=', id)])));
  if (events > 0) uses.push(`${events} events`);
  const groups = await count(store.db.selectFrom('sharing_group').select((eb) => eb.fn.countAll<number>().as('n')).where('org_id', '=', id));
  if (groups > 0) uses.push(`${groups} sharing groups`);
  // A custom cluster kept to its organisation would go to whichever organisation took the id next.
  const clusters = await count(store.db.selectFrom('galaxy_cluster').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('custom', '=', 1).where((eb) => eb.or([eb('org_id', '=', id), eb('orgc_id', '=', id)])));
  if (clusters > 0) uses.push(`${clusters} galaxy clusters`);
  // So would its notes kept to itself, its proposals and the tags only it may set.
  const notes = await count(store.db.selectFrom('analyst_data').select((eb) => eb.fn.countAll<number>().as('n'))
    .where((eb) => eb.or([eb('org_id', '=', id), eb('orgc_id', '=', id)])));
  if (notes > 0) uses.push(`${notes} notes, opinions or relationships`);
  const proposals = await count(store.db.selectFrom('shadow_attribute').select((eb) => eb.fn.countAll<number>().as('n')).where('org_id', '=', id));
  if (proposals > 0) uses.push(`${proposals} proposals`);
  const tags = await count(store.db.selectFrom('tag').select((eb) => eb.fn.countAll<number>().as('n')).where('org_id', '=', id));
  if (tags > 0) uses.push(`${tags} tags restricted to it`);
  const models = await count(store.db.selectFrom('decaying_model').select((eb) => eb.fn.countAll<number>().as('n')).where('org_id', '=', id));
  if (models > 0) uses.push(`${models} decaying models`);
  // A server pulling as this organisation would otherwise store its events under whichever took the id next.
  const servers = await count(store.db.selectFrom('server').select((eb) => eb.fn.countAll<number>().as('n'))
    .where((eb) => eb.or([eb('org_id', '=', id), eb('remote_org_id', '=', id)])));
  if (servers > 0) uses.push(`${servers} servers`);
  return uses;
}

/** Deletes an organisation that nothing names any more (see organisationInUse); its sharing group memberships go with it. */
export async function deleteOrganisation(store: Store, id: number): Promise<void> {
  await store.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('sharing_group_org').where('org_id', '=', id).execute();
    await trx.updateTable('sighting').set({ org_id: null }).where('org_id', '=', id).execute();
    await trx.deleteFrom('organisation').where('id', '=', id).execute();
  });
  // The writers' cache of organisation ids must not hand out the id of one that is gone, here or in another process.
  store.idCache.orgs.clear();
  await bumpGeneration(store, 'ids');
}

/** A subquery of the ids of the organisations named by id, uuid or name, for filters on events. */
export function organisationsNamed(store: Store, refs: readonly string[]) {
  const ids = refs.filter((r) => /^\d+$/.test(r)).map(Number);
  const uuids = refs.filter((r) => isUuid(r.toLowerCase())).map((r) => uuidToBytes(r.toLowerCase()));
  return store.db.selectFrom('organisation').select('organisation.id').where((o) => o.or([
    // By name regardless of case, as MISP's collation matches them.
    o(o.fn('lower', ['organisation.name']), 'in', refs.map((r) => r.toLowerCase())),
    ...(ids.length ? [o('organisation.id', 'in', ids)] : []),
    ...(uuids.length ? [o('organisation.uuid', 'in', uuids)] : []),
  ]));
}

/**
 * The organisation of that uuid, made (not local) under the name given when this instance does not know
 * it: how organisations named by another instance's data (a sighting's, a cluster's creator) arrive.
 */
export async function captureOrganisation(store: Store, ref: { uuid: string; name: string }): Promise<number> {
  const uuid = uuidToBytes(ref.uuid.toLowerCase());
  await store.db.insertInto('organisation').values({ uuid, name: ref.name, local: 0, created: Math.floor(Date.now() / 1000) })
    .onConflict((oc) => oc.column('uuid').doNothing()).execute();
  return (await store.db.selectFrom('organisation').select('id').where('uuid', '=', uuid).executeTakeFirstOrThrow()).id;
}
