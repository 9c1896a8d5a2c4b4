import type { ExpressionBuilder, Expression, SqlBool } from 'kysely';
import { sql } from 'kysely';
import { seesEverything, type Viewer } from '../access/viewer.js';
import type { Database } from './schema.js';

type EventScope = ExpressionBuilder<Database, 'event'>;
type AttributeScope = ExpressionBuilder<Database, 'event' | 'attribute'>;

const TRUE = sql<SqlBool>`1 = 1`;

/**
 * Events the viewer may see: his organisation's, and those shared beyond the organisation
 * (distribution 1–3). Sharing groups (4) are visible to their owner only until sharing groups exist.
 */
export function eventVisibleTo(viewer: Viewer): (eb: EventScope) => Expression<SqlBool> {
  if (seesEverything(viewer) || viewer.kind !== 'user') return () => TRUE;
  const orgId = viewer.orgId;
  return (eb) => eb.or([eb('event.org_id', '=', orgId), eb('event.distribution', 'in', [1, 2, 3])]);
}

/** Attributes the viewer may see, within events he may see; query must join `event`. */
export function attributeVisibleTo(viewer: Viewer): (eb: AttributeScope) => Expression<SqlBool> {
  if (seesEverything(viewer) || viewer.kind !== 'user') return () => TRUE;
  const orgId = viewer.orgId;
  return (eb) =>
    eb.and([
      eventVisibleTo(viewer)(eb as unknown as EventScope),
      eb.or([eb('event.org_id', '=', orgId), eb('attribute.distribution', 'in', [1, 2, 3, 5])]),
      // An attribute of an object is seen only where its object is: an organisation-only object hides its attributes.
      eb.or([
        eb('event.org_id', '=', orgId),
        eb('attribute.object_id', 'is', null),
        eb.exists(eb.selectFrom('object').select('object.id').whereRef('object.id', '=', 'attribute.object_id').where('object.distribution', 'in', [1, 2, 3, 5])),
      ]),
    ]);
}

type ObjectScope = ExpressionBuilder<Database, 'event' | 'object'>;

/** Objects the viewer may see, within events he may see; query must join `event`. */
export function objectVisibleTo(viewer: Viewer): (eb: ObjectScope) => Expression<SqlBool> {
  if (seesEverything(viewer) || viewer.kind !== 'user') return () => TRUE;
  const orgId = viewer.orgId;
  return (eb) =>
    eb.and([
      eventVisibleTo(viewer)(eb as unknown as EventScope),
      eb.or([eb('event.org_id', '=', orgId), eb('object.distribution', 'in', [1, 2, 3, 5])]),
    ]);
}

type SightingScope = ExpressionBuilder<Database, 'event' | 'sighting'>;

/**
 * Sightings the viewer may see, on attributes he may see (MISP's default sighting policy): those his
 * organisation made, and every one on events his organisation owns or created. Query must join `event`.
 */
export function sightingVisibleTo(viewer: Viewer): (eb: SightingScope) => Expression<SqlBool> {
  if (seesEverything(viewer) || viewer.kind !== 'user') return () => TRUE;
  const orgId = viewer.orgId;
  return (eb) => eb.or([eb('sighting.org_id', '=', orgId), eb('event.org_id', '=', orgId), eb('event.orgc_id', '=', orgId)]);
}
