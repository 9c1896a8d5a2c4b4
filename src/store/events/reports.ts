import type { Viewer } from '../../access/viewer.js';
import { parseItemRef } from '../../model/event.js';
import type { Store } from '../db/database.js';
import { bytesToUuid, uuidToBytes } from '../db/uuid.js';
import { sharingGroupNames } from '../access/sharing-groups.js';
import { reportVisibleTo } from '../visibility.js';
import { touchEvents } from './changed.js';
import { purgeAnalystDataAbout } from '../analyst-data.js';

/**
 * Event reports read one by one or as a list, as MISP's eventReports endpoints answer them: with the few
 * fields of their event and its organisations. Reports are written with their event (the writer's merge);
 * what lives here is what those endpoints read, always through `reportVisibleTo`.
 */

export interface ReportRow {
  id: number;
  uuid: string;
  eventId: number;
  name: string;
  content: string;
  distribution: number;
  sharingGroup: { id: number; uuid: string; name: string } | null;
  timestamp: number;
  deleted: boolean;
  event: { id: number; uuid: string; info: string; date: string; orgId: number; orgName: string; orgcId: number; orgcName: string };
}

export interface ReportFilter {
  /** One report, by id or uuid (as an address names it). */
  ref?: string;
  eventId?: number;
  /** Deleted reports too (false by default, except for a report named by `ref`). */
  includeDeleted?: boolean;
}

/** The reports the viewer may see that the filter names, oldest first. */
export async function findReports(store: Store, viewer: Viewer, filter: ReportFilter): Promise<ReportRow[]> {
  const ref = filter.ref === undefined ? undefined : parseItemRef(filter.ref);
  if (filter.ref !== undefined && !ref) return [];
  let q = store.db.selectFrom('event_report').innerJoin('event', 'event.id', 'event_report.event_id')
    .innerJoin('organisation as orgc', 'orgc.id', 'event.orgc_id').innerJoin('organisation as org', 'org.id', 'event.org_id')
    .select(['event_report.id', 'event_report.uuid', 'event_report.event_id', 'event_report.name', 'event_report.content', 'event_report.distribution',
      'event_report.sharing_group_id', 'event_report.timestamp', 'event_report.deleted', 'event.uuid as event_uuid', 'event.info', 'event.date',
      'event.org_id', 'event.orgc_id', 'org.name as org_name', 'orgc.name as orgc_name'])
    .where(reportVisibleTo(viewer));
  if (ref) q = q.where((eb) => ('id' in ref ? eb('event_report.id', '=', ref.id) : eb('event_report.uuid', '=', uuidToBytes(ref.uuid))));
  if (filter.eventId !== undefined) q = q.where('event_report.event_id', '=', filter.eventId);
  if (!ref && !filter.includeDeleted) q = q.where('event_report.deleted', '=', 0);
  const rows = await q.orderBy('event_report.id').execute();
  const groups = await sharingGroupNames(store.db, rows.map((r) => r.sharing_group_id));
  return rows.map((r) => {
    const group = r.sharing_group_id === null ? undefined : groups.get(r.sharing_group_id);
    return {
      id: r.id, uuid: bytesToUuid(r.uuid), eventId: r.event_id, name: r.name, content: r.content, distribution: r.distribution,
      sharingGroup: group ? { id: group.id!, uuid: group.uuid!, name: group.name ?? '' } : null,
      timestamp: Number(r.timestamp), deleted: r.deleted === 1,
      event: { id: r.event_id, uuid: bytesToUuid(r.event_uuid), info: r.info, date: r.date, orgId: r.org_id, orgName: r.org_name, orgcId: r.orgc_id, orgcName: r.orgc_name },
    };
  });
}

/** Removes a report for good (MISP's hard delete); false when there is none. */
export async function purgeReport(store: Store, reportId: number): Promise<boolean> {
  return store.db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('event_report').select(['event_id', 'uuid']).where('id', '=', reportId).executeTakeFirst();
    if (!row) return false;
    await purgeAnalystDataAbout(trx, [row.uuid]);
    await trx.deleteFrom('event_report').where('id', '=', reportId).execute();
    await touchEvents(store, trx, [row.event_id]);
    return true;
  });
}

/** Whether any report, anywhere, holds this uuid: a new one may not take it. Says nothing of the report itself. */
export async function reportUuidTaken(store: Store, uuid: string): Promise<boolean> {
  const row = await store.db.selectFrom('event_report').select('id').where('uuid', '=', uuidToBytes(uuid)).executeTakeFirst();
  return row !== undefined;
}
