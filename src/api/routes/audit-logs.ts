import type { FastifyInstance, FastifyRequest } from 'fastify';
import { listAudit } from '../../store/access/audit-log.js';
import { countField, sqlDatetime } from '../body.js';
import { ApiError } from '../errors.js';
import { restQueryOf } from '../../services/search/rest-query.js';
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
}
