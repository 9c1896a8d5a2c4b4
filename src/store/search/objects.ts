import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import type { Viewer } from '../../access/viewer.js';
import type { Store } from '../db/database.js';
import type { Database } from '../db/schema.js';
import { bytesToUuid } from '../db/uuid.js';
import { objectVisibleTo } from '../visibility.js';
import { attributeCriteria, attributeMatches, eventMatches, type AttributeFilter } from './attributes.js';

/** What objects/restSearch asks of objects (MISP's ObjectsController restSearch). */
export interface ObjectFilter {
  /** Any of these template names / none of them; `%` patterns allowed. */
  names?: readonly string[];
  notNames?: readonly string[];
  templateUuids?: readonly string[];
  templateVersions?: readonly string[];
  /** Live objects (the default), deleted ones alone, or both. */
  deleted?: 'live' | 'only' | 'both';
  /**
   * The rest of the search: what it asks of the event is asked of the object's event, what it asks of
   * attributes must hold for one live attribute of the object. Its limit and offset are ignored.
   */
  within?: AttributeFilter;
  limit?: number;
  offset?: number;
}

type ObjectScope = ExpressionBuilder<Database, 'object' | 'event'>;

function textIs(eb: ObjectScope, column: 'object.name' | 'object.template_uuid' | 'object.template_version', items: readonly string[]): Expression<SqlBool> {
  return eb.or(items.map((v) => (v.includes('%') ? eb(eb.fn('lower', [column]), 'like', v.toLowerCase()) : eb(column, '=', v))));
}

/** The objects the viewer may see that the filter finds, in id order, with their events. */
export async function searchObjects(store: Store, viewer: Viewer, filter: ObjectFilter): Promise<Array<{ id: number; uuid: string; eventId: number }>> {
  const { limit: _l, offset: _o, ...within } = filter.within ?? {};
  const onAttributes = attributeCriteria(within);
  const matches = Object.keys(onAttributes).length ? await attributeMatches(store, viewer, onAttributes) : undefined;
  let q = store.db.selectFrom('object').innerJoin('event', 'event.id', 'object.event_id').select(['object.id', 'object.uuid', 'object.event_id'])
    .where(objectVisibleTo(viewer))
    .where((eb) => eventMatches(store, within)(eb as unknown as ExpressionBuilder<Database, 'event'>))
    .where((eb) => {
      const all: Array<Expression<SqlBool>> = [];
      const deleted = filter.deleted ?? 'live';
      if (deleted !== 'both') all.push(eb('object.deleted', '=', deleted === 'only' ? 1 : 0));
      if (filter.names?.length) all.push(textIs(eb, 'object.name', filter.names));
      if (filter.notNames?.length) all.push(eb.not(textIs(eb, 'object.name', filter.notNames)));
      if (filter.templateUuids?.length) all.push(textIs(eb, 'object.template_uuid', filter.templateUuids));
      if (filter.templateVersions?.length) all.push(textIs(eb, 'object.template_version', filter.templateVersions));
      // The subquery refers to the outer `object` and `event` rows, which Kysely's types do not carry into it.
      if (matches) all.push(eb.exists(eb.selectFrom('attribute').select('attribute.id').whereRef('attribute.object_id', '=', 'object.id').where(matches as never)));
      return eb.and(all);
    })
    .orderBy('object.id');
  if (filter.limit !== undefined) q = q.limit(filter.limit);
  if (filter.offset && filter.limit !== undefined) q = q.offset(filter.offset);
  return (await q.execute()).map((r) => ({ id: r.id, uuid: bytesToUuid(r.uuid), eventId: r.event_id }));
}
