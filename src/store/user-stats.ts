import type { Viewer } from '../access/viewer.js';
import type { Store } from './db/database.js';
import { attributeVisibleTo, eventVisibleTo, sightingVisibleTo } from './visibility.js';

/**
 * The counts behind MISP's users/statistics pages. Events, attributes and sightings are counted as far
 * as the viewer may see them; users and organisations as the organisation index shows them to everyone.
 */

/** Events and live attributes the viewer may see, in all and changed since `since` (seconds), and their creators. */
export async function visibleDataCounts(store: Store, viewer: Viewer, since: number) {
  const db = store.db;
  const events = await db.selectFrom('event').where(eventVisibleTo(viewer))
    .select((eb) => [
      eb.fn.countAll<number>().as('n'),
      eb.fn.count<number>(eb.case().when('event.timestamp', '>', since).then(1).end()).as('recent'),
      eb.fn.count<number>('event.orgc_id').distinct().as('creators'),
    ]).executeTakeFirstOrThrow();
  const attributes = await db.selectFrom('attribute').innerJoin('event', 'event.id', 'attribute.event_id')
    .where('attribute.deleted', '=', 0).where(attributeVisibleTo(viewer))
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.count<number>(eb.case().when('attribute.timestamp', '>', since).then(1).end()).as('recent')])
    .executeTakeFirstOrThrow();
  return {
    events: Number(events.n), eventsSince: Number(events.recent), creators: Number(events.creators),
    attributes: Number(attributes.n), attributesSince: Number(attributes.recent),
  };
}

/** How many users, local and external organisations there are, created at or after each given time (null: all). */
export async function accountCounts(store: Store, since: ReadonlyArray<number | null>) {
  const db = store.db;
  const count = async (q: Promise<{ n: number | string | bigint }>) => Number((await q).n);
  const users = (from: number | null) => count(db.selectFrom('user').select((eb) => eb.fn.countAll<number>().as('n'))
    .$if(from !== null, (q) => q.where('created', '>=', from!)).executeTakeFirstOrThrow());
  const orgs = (local: boolean, from: number | null) => count(db.selectFrom('organisation').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('local', '=', local ? 1 : 0).$if(from !== null, (q) => q.where('created', '>=', from!)).executeTakeFirstOrThrow());
  return {
    users: await Promise.all(since.map(users)),
    localOrgs: await Promise.all(since.map((s) => orgs(true, s))),
    externalOrgs: await Promise.all(since.map((s) => orgs(false, s))),
  };
}

/** Users of each organisation. */
export async function usersPerOrganisation(store: Store): Promise<Map<number, number>> {
  const rows = await store.db.selectFrom('user').select(['org_id', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('org_id').execute();
  return new Map(rows.map((r) => [r.org_id, Number(r.n)]));
}

/** Events the viewer may see by their creator organisation, with their live attributes he may see. */
export async function visibleEventsPerCreator(store: Store, viewer: Viewer): Promise<Map<number, { events: number; attributes: number }>> {
  const db = store.db;
  const events = await db.selectFrom('event').where(eventVisibleTo(viewer))
    .select(['event.orgc_id', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('event.orgc_id').execute();
  const attributes = await visibleAttributeTypesPerCreator(store, viewer);
  const out = new Map(events.map((e) => [e.orgc_id, { events: Number(e.n), attributes: 0 }]));
  for (const a of attributes) {
    const o = out.get(a.orgcId);
    if (o) o.attributes += a.count;
  }
  return out;
}

/** Live attributes the viewer may see, by the creator organisation of their event and by type. */
export async function visibleAttributeTypesPerCreator(store: Store, viewer: Viewer): Promise<Array<{ orgcId: number; type: string; count: number }>> {
  const rows = await store.db.selectFrom('attribute').innerJoin('event', 'event.id', 'attribute.event_id')
    .where('attribute.deleted', '=', 0).where(attributeVisibleTo(viewer))
    .select(['event.orgc_id', 'attribute.type', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy(['event.orgc_id', 'attribute.type']).execute();
  return rows.map((r) => ({ orgcId: r.orgc_id, type: r.type, count: Number(r.n) }));
}

/** The sightings the viewer's own organisation made, on attributes he may see (MISP's sightings toplist). */
export async function ownSightings(store: Store, viewer: Viewer & { kind: 'user' }): Promise<Array<{ type: number; source: string; eventId: number }>> {
  const rows = await store.db.selectFrom('sighting').innerJoin('attribute', 'attribute.id', 'sighting.attribute_id')
    .innerJoin('event', 'event.id', 'attribute.event_id')
    .where('sighting.org_id', '=', viewer.orgId).where(attributeVisibleTo(viewer)).where(sightingVisibleTo(viewer))
    .select(['sighting.type', 'sighting.source', 'sighting.event_id']).orderBy('sighting.id').execute();
  return rows.map((r) => ({ type: r.type, source: r.source, eventId: r.event_id }));
}
