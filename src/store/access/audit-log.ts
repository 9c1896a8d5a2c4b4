import type { Insertable } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Store } from '../db/database.js';

export interface AuditEntry {
  id: number;
  created: number;
  userId: number | null;
  email: string;
  orgId: number | null;
  ip: string;
  action: string;
  model: string;
  modelId: string;
  request: string;
}

export type NewAuditEntry = Omit<AuditEntry, 'id' | 'created'>;

type AuditRow = Insertable<Database['audit_log']>;

/** Entries waiting for the audit log's write in flight, with the callers waiting for them. */
interface AuditLine {
  waiting: Array<{ row: AuditRow; done: (err?: unknown) => void }>;
  writing: boolean;
}

const lines = new WeakMap<Store, AuditLine>();

/**
 * Records an entry; resolves once it is stored, so that a client given an answer finds its change in
 * the log. Entries that come while another write of the log is in flight are stored together by the
 * next one: under many concurrent changes each would otherwise take the store's one writer (SQLite)
 * for a commit of its own, as many commits again as the changes themselves made.
 */
export function recordAudit(store: Store, e: NewAuditEntry): Promise<void> {
  let line = lines.get(store);
  if (!line) lines.set(store, line = { waiting: [], writing: false });
  const row: AuditRow = {
    created: Math.floor(Date.now() / 1000), user_id: e.userId, email: e.email, org_id: e.orgId, ip: e.ip,
    action: e.action, model: e.model, model_id: e.modelId, request: e.request,
  };
  const stored = new Promise<void>((resolve, reject) => {
    line.waiting.push({ row, done: (err) => (err === undefined ? resolve() : reject(err)) });
  });
  if (!line.writing) void writeAuditLine(store, line);
  return stored;
}

async function writeAuditLine(store: Store, line: AuditLine): Promise<void> {
  line.writing = true;
  while (line.waiting.length > 0) {
    // 9 columns: well within either dialect's limit of parameters per statement.
    const batch = line.waiting.splice(0, 500);
    try {
      await store.db.insertInto('audit_log').values(batch.map((b) => b.row)).execute();
      for (const b of batch) b.done();
    } catch (err) {
      for (const b of batch) b.done(err ?? new Error('the audit log could not be written'));
    }
  }
  line.writing = false;
}

export interface AuditQuery {
  /** Only entries of users of this organisation (an organisation admin's view). */
  orgId?: number;
  model?: string;
  action?: string;
  email?: string;
  /** MISP's Log index filters: exact entry, user, item and a window on the time of the entry (epoch seconds, inclusive). */
  id?: number;
  userId?: number;
  modelId?: string;
  /** Part of the request line (MISP's title), case-insensitive. */
  titleLike?: string;
  from?: number;
  to?: number;
  limit: number;
  page: number;
}

/** Entries newest first, a page at a time. */
export async function listAudit(store: Store, q: AuditQuery): Promise<AuditEntry[]> {
  let query = store.db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(q.limit).offset((q.page - 1) * q.limit);
  if (q.orgId !== undefined) query = query.where('org_id', '=', q.orgId);
  if (q.model) query = query.where('model', '=', q.model);
  if (q.action) query = query.where('action', '=', q.action);
  if (q.email) query = query.where('email', '=', q.email.toLowerCase());
  if (q.id !== undefined) query = query.where('id', '=', q.id);
  if (q.userId !== undefined) query = query.where('user_id', '=', q.userId);
  if (q.modelId !== undefined) query = query.where('model_id', '=', q.modelId);
  if (q.titleLike) query = query.where((eb) => eb(eb.fn('lower', ['request']), 'like', `%${q.titleLike!.toLowerCase()}%`));
  if (q.from !== undefined) query = query.where('created', '>=', q.from);
  if (q.to !== undefined) query = query.where('created', '<=', q.to);
  return (await query.execute()).map((r) => ({
    id: r.id, created: r.created, userId: r.user_id, email: r.email, orgId: r.org_id, ip: r.ip,
    action: r.action, model: r.model, modelId: r.model_id, request: r.request,
  }));
}
