import type { FastifyInstance, FastifyRequest } from 'fastify';
import { listAudit } from '../../store/access/audit-log.js';
import { countField, sqlDatetime } from '../body.js';
import { ApiError } from '../errors.js';
import { restQueryOf } from '../../services/search/rest-query.js';
import { pointInTime } from '../../services/search/query-terms.js';
import { findOrganisation, findOrganisationById } from '../../store/access/organisations.js';
import { userOf } from '../session.js';
import { mayReadAuditLog, readsWholeAuditLog } from '../../access/policy/audit.js';
import { documented } from '../openapi.js';
import { AuditLog } from '../schemas/answers.js';
import { AUDIT_QUERY } from '../schemas/bodies.js';
import type { ApiContext } from '../context.js';

/** The audit log: site admins read all of it, organisation admins with perm_audit their organisation's. */
export async function auditLogRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store } = ctx;
  documented(app, 'Audit log', {
    'GET /admin/audit_logs/index': { summary: 'Who created, changed or deleted what, newest first (site admins; organisation admins for their organisation)', query: AUDIT_QUERY, response: AuditLog },
    'POST /admin/audit_logs/index': { summary: 'The audit log, with filters in the body', body: AUDIT_QUERY, response: AuditLog },
    'GET /admin/logs/index': { summary: "The audit log as MISP's Log index: [{Log}], filters id, model, model_id, action, user_id, email, org, title, created (since; or [from, to]), limit, page" },
    'POST /admin/logs/index': { summary: "The same, with MISP's Log filters in the body (PyMISP's search_logs)" },
  });
  const index = async (request: FastifyRequest) => {
    const user = userOf(request);
    if (!mayReadAuditLog(user)) throw new ApiError(403, 'You do not have permission to read the audit log.');
    const all = readsWholeAuditLog(user);
    const q = restQueryOf(request);
    const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
    const model = text(q.model);
    const action = text(q.action);
    const email = text(q.email);
    const entries = await listAudit(store, {
      ...(all ? {} : { orgId: user.org.id }), ...(model ? { model } : {}), ...(action ? { action } : {}), ...(email ? { email } : {}),
      limit: Math.min(countField(q.limit, 'limit', 100), 10_000), page: countField(q.page, 'page', 1),
    });
    return entries.map((e) => ({
      AuditLog: {
        id: String(e.id), created: sqlDatetime(e.created), user_id: String(e.userId ?? 0), org_id: String(e.orgId ?? 0), email: e.email,
        request_ip: e.ip, action: e.action, model: e.model, model_id: e.modelId, title: e.request,
      },
    }));
  };
  app.get('/admin/audit_logs/index', index);
  app.post('/admin/audit_logs/index', index);

  // MISP's older Log index (admin/logs/index), over the same audit log. Cairn records what was asked of
  // its API; it writes no entries for things it does not do (such as e-mails: it sends none).
  const logs = async (request: FastifyRequest) => {
    const user = userOf(request);
    if (!mayReadAuditLog(user)) throw new ApiError(403, 'You do not have permission to read the audit log.');
    const q = restQueryOf(request);
    const text = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v).trim() || undefined : undefined);
    const whole = (v: unknown, name: string) => {
      const t = text(v);
      if (t === undefined) return undefined;
      if (!/^\d+$/.test(t)) throw new ApiError(400, `${name} must be a whole number, not "${t}"`);
      return Number(t);
    };
    // created: a point (entries since then) or [one, other] (between them, in either order), each epoch
    // seconds (PyMISP sends a fraction) or a span back from now such as 1d, as MISP's resolveTimeDelta.
    const moment = (v: unknown) => {
      const t = text(v);
      if (t === undefined) return undefined;
      return pointInTime(t);
    };
    let from: number | undefined;
    let to: number | undefined;
    if (Array.isArray(q.created) && q.created.length > 1) {
      const [a, b] = [moment(q.created[0]), moment(q.created[1])];
      if (a !== undefined && b !== undefined) [from, to] = a < b ? [a, b] : [b, a];
    } else from = moment(Array.isArray(q.created) ? q.created[0] : q.created);
    const orgName = text(q.org);
    const org = orgName ? await findOrganisation(store, orgName) : undefined;
    if (orgName && !org) return [];
    const all = readsWholeAuditLog(user);
    if (!all && org && org.id !== user.org.id) return [];
    const model = text(q.model);
    const action = text(q.action);
    const email = text(q.email);
    const title = text(q.title);
    const modelId = text(q.model_id);
    const id = whole(q.id, 'id');
    const userId = whole(q.user_id, 'user_id');
    const entries = await listAudit(store, {
      ...(all ? (org ? { orgId: org.id } : {}) : { orgId: user.org.id }), ...(model ? { model } : {}), ...(action && action !== 'ALL' ? { action } : {}),
      ...(email ? { email } : {}), ...(title ? { titleLike: title } : {}), ...(modelId ? { modelId } : {}),
      ...(id === undefined ? {} : { id }), ...(userId === undefined ? {} : { userId }),
      ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }),
      limit: Math.min(countField(q.limit, 'limit', 100), 10_000), page: countField(q.page, 'page', 1),
    });
    const orgNames = new Map<number, string>();
    for (const e of entries) if (e.orgId && !orgNames.has(e.orgId)) orgNames.set(e.orgId, (await findOrganisationById(store, e.orgId))?.name ?? '');
    return entries.map((e) => ({
      Log: {
        id: String(e.id), title: e.request, created: sqlDatetime(e.created), model: e.model, model_id: e.modelId, action: e.action,
        user_id: String(e.userId ?? 0), change: '', email: e.email, org: e.orgId ? orgNames.get(e.orgId) ?? '' : 'SYSTEM', description: '', ip: e.ip,
      },
    }));
  };
  app.get('/admin/logs/index', logs);
  app.post('/admin/logs/index', logs);
}
