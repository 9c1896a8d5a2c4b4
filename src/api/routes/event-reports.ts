import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseMispEvent } from '../../formats/misp-json/parse.js';
import { describeProblem } from '../../model/problems.js';
import { changedEventStamp, changedItemStamp, currentSecond } from '../../model/versions.js';
import type { EventReport, StoredEvent } from '../../model/event.js';
import { changeableEvent, eventToAddTo } from '../event-access.js';
import { findReports, purgeReport, reportUuidTaken, type ReportRow } from '../../store/events/reports.js';
import type { User } from '../../store/access/users.js';
import { flagField, idField, modelBody, saved, type Fields } from '../body.js';
import { ApiError, notFound } from '../errors.js';
import { userOf } from '../session.js';
import type { EventFacts } from '../../access/policy/events.js';
import { mayDeleteItem, mayEditItem, mayPurgeReport } from '../../access/policy/items.js';
import { viewerOf } from '../../access/viewer.js';
import { resolveSharingGroups } from '../../services/events/sharing-group-refs.js';
import { restQueryOf } from '../../services/search/rest-query.js';
import { documented } from '../openapi.js';
import { EVENT_REPORT_BODY } from '../schemas/bodies.js';
import type { ApiContext } from '../context.js';

const FAILURE = 'The event report could not be saved.';

/** A report as MISP's eventReports endpoints answer it: the report, its sharing group and a few fields of its event. */
export function reportDocument(r: ReportRow) {
  return {
    EventReport: {
      id: String(r.id), uuid: r.uuid, event_id: String(r.eventId), name: r.name, content: r.content, distribution: String(r.distribution),
      sharing_group_id: r.sharingGroup ? String(r.sharingGroup.id) : '0', timestamp: String(r.timestamp), deleted: r.deleted,
    },
    SharingGroup: r.sharingGroup ? { id: String(r.sharingGroup.id), name: r.sharingGroup.name, uuid: r.sharingGroup.uuid } : { id: null, name: null, uuid: null },
    Event: {
      id: String(r.event.id), uuid: r.event.uuid, orgc_id: String(r.event.orgcId), org_id: String(r.event.orgId), info: r.event.info, date: r.event.date,
      Orgc: { id: String(r.event.orgcId), name: r.event.orgcName }, Org: { id: String(r.event.orgId), name: r.event.orgName },
    },
  };
}

export async function eventReportRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store, writes } = ctx;
  documented(app, 'Event reports', {
    'GET /eventReports/index': { summary: 'The event reports you may see; ?event_id= keeps those of one event' },
    'GET /eventReports/view/:id': { summary: 'One event report by id or uuid' },
    'POST /eventReports/add/:event': { summary: 'Add a report (markdown) to an event', body: EVENT_REPORT_BODY },
    'POST /eventReports/edit/:id': { summary: 'Change a report: the fields given replace the stored ones', body: EVENT_REPORT_BODY },
    'PUT /eventReports/edit/:id': { summary: 'Change a report (as POST)', body: EVENT_REPORT_BODY },
    'POST /eventReports/delete/:id': { summary: 'Mark a report deleted; with {"hard": 1} (or /1 in the address) remove it for good' },
    'DELETE /eventReports/delete/:id': { summary: 'Mark a report deleted (as POST)' },
    'POST /eventReports/delete/:id/:hard': { summary: 'With hard = 1, remove a report for good' },
    'POST /eventReports/restore/:id': { summary: 'Take back the deletion of a report' },
  });

  /** The one report an address names, as the user may see it (deleted too). */
  const namedReport = async (user: User, text: string): Promise<ReportRow> => {
    const [row] = await findReports(store, viewerOf(user), { ref: text });
    if (!row) throw notFound('report');
    return row;
  };

  const changeable = (user: User, eventId: number, may: (user: User, event: EventFacts) => boolean) => changeableEvent(store, user, eventId, may);

  /** One report of a request read as the event parser reads it, so that it is checked as an imported one is. */
  const readReport = (stored: StoredEvent, raw: Fields, timestamp: number): EventReport => {
    const name = typeof raw.name === 'string' ? raw.name.trim() : raw.name;
    if (name === undefined || name === null || name === '') throw new ApiError(403, FAILURE, { errors: { name: ['a report needs a name'] } });
    const parsed = parseMispEvent({ Event: { uuid: stored.uuid, info: stored.info, date: stored.date, timestamp: String(timestamp), EventReport: [raw] } }, { defaultDistribution: stored.distribution });
    const report = parsed.event?.reports[0];
    const problems = parsed.problems.filter((p) => p.item === null || p.item === report?.uuid);
    if (!report || problems.length > 0) throw new ApiError(403, FAILURE, { errors: Object.fromEntries(problems.map((p) => [p.field, [describeProblem(p)]])) });
    return report;
  };

  const write = async (user: User, stored: StoredEvent, report: EventReport) => {
    const change = { ...stored, timestamp: changedEventStamp(stored.timestamp, [report.timestamp]), attributes: [], objects: [], reports: [report] };
    await resolveSharingGroups(store, user, change);
    const outcome = await writes.update(change);
    const failed = outcome.problems.filter((p) => p.item === report.uuid);
    if (failed.length > 0) throw new ApiError(403, FAILURE, { errors: Object.fromEntries(failed.map((p) => [p.field, [describeProblem(p)]])) });
  };

  app.get('/eventReports/index', async (request) => {
    const user = userOf(request);
    const q = restQueryOf(request);
    const eventId = idField(q as Fields, 'event_id');
    const rows = await findReports(store, viewerOf(user), eventId === undefined ? {} : { eventId });
    return rows.map(reportDocument);
  });

  app.get<{ Params: { id: string } }>('/eventReports/view/:id', async (request) => reportDocument(await namedReport(userOf(request), request.params.id)));

  app.post<{ Params: { event: string } }>('/eventReports/add/:event', async (request) => {
    const user = userOf(request);
    const stored = await eventToAddTo(store, user, request.params.event);
    const raw = modelBody(request.body, 'EventReport', FAILURE);
    const timestamp = currentSecond();
    const report = readReport(stored, { ...raw, uuid: raw.uuid ?? randomUUID(), timestamp: String(timestamp), deleted: false }, timestamp);
    if (await reportUuidTaken(store, report.uuid)) throw new ApiError(403, FAILURE, { errors: { uuid: ['a report with this uuid exists already; edit it instead'] } });
    await write(user, stored, report);
    return reportDocument(await namedReport(user, report.uuid));
  });

  const edit = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const user = userOf(request);
    const current = await namedReport(user, request.params.id);
    const stored = await changeable(user, current.eventId, mayEditItem);
    const raw = modelBody(request.body, 'EventReport', FAILURE);
    const timestamp = changedItemStamp(current.timestamp);
    // What the edit names replaces what is stored; the uuid, the event and the deleted mark stay (MISP's edit keeps them).
    const report = readReport(stored, {
      name: current.name, content: current.content, distribution: current.distribution,
      ...(current.sharingGroup ? { sharing_group_id: current.sharingGroup.id } : {}),
      ...raw, uuid: current.uuid, timestamp: String(timestamp), deleted: current.deleted,
    }, timestamp);
    await write(user, stored, report);
    return reportDocument(await namedReport(user, current.uuid));
  };
  app.post('/eventReports/edit/:id', edit);
  app.put('/eventReports/edit/:id', edit);

  /** Marks a report deleted or takes the mark back: the report alone, newer than it was. */
  const mark = async (user: User, current: ReportRow, stored: StoredEvent, deleted: boolean) => {
    const report = stored.reports.find((r) => r.uuid === current.uuid);
    if (!report) throw notFound('report');
    await write(user, stored, { ...report, deleted, timestamp: changedItemStamp(report.timestamp) });
  };

  // MISP names the report in its answer as the address did (id or uuid).
  const remove = async (request: FastifyRequest<{ Params: { id: string; hard?: string } }>) => {
    const user = userOf(request);
    const current = await namedReport(user, request.params.id);
    const hard = request.params.hard === '1' || request.params.hard === 'true' || flagField((request.body ?? {}) as Fields, 'hard') === true;
    const stored = await changeable(user, current.eventId, hard ? mayPurgeReport : (u, e) => mayDeleteItem(u, e));
    const url = request.url.split('?')[0]!;
    if (hard) await purgeReport(store, current.id);
    else await mark(user, current, stored, true);
    return saved(`Event Report ${request.params.id} ${hard ? 'hard' : 'soft'} deleted`, url);
  };
  app.post('/eventReports/delete/:id', remove);
  app.post('/eventReports/delete/:id/:hard', remove);
  app.delete('/eventReports/delete/:id', remove);

  app.post<{ Params: { id: string } }>('/eventReports/restore/:id', async (request) => {
    const user = userOf(request);
    const current = await namedReport(user, request.params.id);
    const stored = await changeable(user, current.eventId, mayEditItem);
    await mark(user, current, stored, false);
    return saved(`Event Report ${request.params.id} restored`, request.url.split('?')[0]!);
  });
}
