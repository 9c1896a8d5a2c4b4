import type { Transaction } from 'kysely';
import type { OrganisationRef, SharingGroupRef, TagRef } from '../../model/event.js';
import type { Store } from '../db/database.js';
import type { Database } from '../db/schema.js';
import { uuidToBytes } from '../db/uuid.js';
import { captureSharingGroup } from '../access/sharing-groups.js';
import { internValues, type InternState } from '../values/index.js';
import { VALUE_IDS_KEPT, type IdScope } from './id-scope.js';
import { tagColour } from '../tags.js';

/**
 * Resolves organisations, tags and values to ids for one event, creating the missing ones. An id learnt
 * here is kept for the open transaction (the saver's batch scope: a failed event rolls the whole
 * transaction back, and the saver clears that scope), and reaches the store-wide cache only when the
 * transaction commits: a rolled-back write leaves no stale id behind.
 */
export class RefResolver {
  constructor(
    private readonly store: Store, private readonly trx: Transaction<Database>, private readonly batch: IdScope,
    /** What the writer learns of values from one call to the next (PostgreSQL). */
    private readonly interning?: InternState,
    /** PostgreSQL: organisations and tags are created outside the transaction (see `dictionary`). */
    private readonly dictionaryOutside = false,
  ) {}

  private known(kind: keyof IdScope, key: string): number | undefined {
    return this.store.idCache[kind].get(key) ?? this.batch[kind].get(key);
  }

  /**
   * Where organisations and tags are created: in the writer's transaction, so that an event that fails
   * leaves none behind; for the bulk import's lanes (grouped-writer.ts) outside it, as values are. A
   * transaction that inserted a tag holds its name until it commits: lanes meeting the same new tag
   * waited for each other's commit, and deadlocked when they met two in opposite orders, which cost a
   * lane its whole transaction. There, a tag or an organisation left by an event that failed stays
   * (MISP too makes them as it meets them).
   */
  private get dictionary(): Transaction<Database> | Store['db'] {
    return this.dictionaryOutside && this.store.dialect === 'postgres' ? this.store.db : this.trx;
  }

  async org(ref: OrganisationRef): Promise<number> {
    const known = this.known('orgs', ref.uuid);
    if (known !== undefined) return known;
    const uuid = uuidToBytes(ref.uuid);
    await this.dictionary
      .insertInto('organisation')
      .values({ uuid, name: ref.name, local: 0, created: Math.floor(Date.now() / 1000) })
      .onConflict((oc) => oc.column('uuid').doNothing())
      .execute();
    const row = await this.dictionary.selectFrom('organisation').select('id').where('uuid', '=', uuid).executeTakeFirstOrThrow();
    this.batch.orgs.set(ref.uuid, row.id);
    return row.id;
  }

  /** Ids of the tags, in the order given. */
  async tagIds(refs: readonly TagRef[]): Promise<number[]> {
    const missing = refs.filter((t) => this.known('tags', t.name) === undefined);
    if (missing.length > 0) {
      await this.dictionary
        .insertInto('tag')
        // By name: writers creating the same tags at once then wait on each other in one order.
        .values([...missing].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
          .map((t) => ({ name: t.name, colour: t.colour ?? tagColour(t.name), exportable: 1, hide_tag: 0 })))
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
      const rows = await this.dictionary.selectFrom('tag').select(['id', 'name']).where('name', 'in', missing.map((t) => t.name)).execute();
      for (const r of rows) this.batch.tags.set(r.name, r.id);
    }
    return refs.map((t) => this.known('tags', t.name) as number);
  }

  /**
   * Ids of values in the value index, by text. On PostgreSQL the missing ones are created outside the
   * writer's transaction, by short statements of their own in key order: a transaction that inserted a
   * value holds its key until it commits, and writers running at once that share values in different
   * orders deadlocked (see EVENT_WRITER_LOCK). A value row no attribute names is harmless (rows of the
   * index are never deleted; a deleted event leaves its values too); the embedded store has one writer.
   * `interned`: ids already found or created for some of the texts (PostgreSQL: interned ahead, see
   * prepareNewEvents), valid whatever becomes of this transaction for the same reason.
   */
  async valueIds(texts: Iterable<string>, interned?: ReadonlyMap<string, number>): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const missing: string[] = [];
    const kept = this.batch.values;
    for (const t of texts) {
      if (out.has(t)) continue;
      const id = this.known('values', t);
      if (id !== undefined) {
        out.set(t, id);
        continue;
      }
      const ready = interned?.get(t);
      if (ready === undefined) missing.push(t);
      else {
        out.set(t, ready);
        if (kept.size < VALUE_IDS_KEPT) kept.set(t, ready);
      }
    }
    if (missing.length === 0) return out;
    for (const [t, id] of await internValues(this.store, this.store.dialect === 'postgres' ? this.store.db : this.trx, missing, this.interning)) {
      out.set(t, id);
      if (kept.size < VALUE_IDS_KEPT) kept.set(t, id);
    }
    return out;
  }

  /** Local ids of the sharing groups named by uuid, capturing those unknown here (see captureSharingGroup). */
  async sharingGroupIds(refs: Iterable<SharingGroupRef | undefined>, creatorOrgId: number): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const ref of refs) {
      if (!ref?.uuid || out.has(ref.uuid)) continue;
      const id = await captureSharingGroup(this.trx, ref, creatorOrgId, (o) => this.org(o));
      if (id !== null) out.set(ref.uuid, id);
    }
    return out;
  }
}
