import { createHash } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { OrganisationRef, TagRef } from '../model/event.js';
import type { Store } from './database.js';
import type { Database } from './schema.js';
import { uuidToBytes } from './uuid.js';

/** A colour for a tag that arrives without one: stable for a name, so every instance agrees. */
export function tagColour(name: string): string {
  return `#${createHash('sha1').update(name).digest('hex').slice(0, 6)}`;
}

/**
 * Resolves organisation and tag names to ids within a transaction, creating the missing ones. Ids learnt
 * here reach the store-wide cache only on `commit()`, so a rolled-back transaction leaves no stale id behind.
 */
export class RefResolver {
  private readonly tags = new Map<string, number>();
  private readonly orgs = new Map<string, number>();

  constructor(private readonly store: Store, private readonly trx: Transaction<Database>) {}

  async org(ref: OrganisationRef): Promise<number> {
    const known = this.store.idCache.orgs.get(ref.uuid) ?? this.orgs.get(ref.uuid);
    if (known !== undefined) return known;
    const uuid = uuidToBytes(ref.uuid);
    await this.trx
      .insertInto('organisation')
      .values({ uuid, name: ref.name, local: 0, created: Math.floor(Date.now() / 1000) })
      .onConflict((oc) => oc.column('uuid').doNothing())
      .execute();
    const row = await this.trx.selectFrom('organisation').select('id').where('uuid', '=', uuid).executeTakeFirstOrThrow();
    this.orgs.set(ref.uuid, row.id);
    return row.id;
  }

  /** Ids of the tags, in the order given. */
  async tagIds(refs: readonly TagRef[]): Promise<number[]> {
    const missing = refs.filter((t) => !this.store.idCache.tags.has(t.name) && !this.tags.has(t.name));
    if (missing.length > 0) {
      await this.trx
        .insertInto('tag')
        .values(missing.map((t) => ({ name: t.name, colour: t.colour ?? tagColour(t.name), exportable: 1, hide_tag: 0 })))
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
      const rows = await this.trx.selectFrom('tag').select(['id', 'name']).where('name', 'in', missing.map((t) => t.name)).execute();
      for (const r of rows) this.tags.set(r.name, r.id);
    }
    return refs.map((t) => (this.store.idCache.tags.get(t.name) ?? this.tags.get(t.name)) as number);
  }

  commit(): void {
    for (const [k, v] of this.tags) this.store.idCache.tags.set(k, v);
    for (const [k, v] of this.orgs) this.store.idCache.orgs.set(k, v);
  }
}
