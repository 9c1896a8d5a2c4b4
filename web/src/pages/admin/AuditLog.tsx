import { useState } from 'react';
import { api } from '../../api';
import { useLoad } from '../../useLoad';
import type { AuditLogEntry } from '@cairn/answers';

export function AuditLog() {
  const [page, setPage] = useState(1);
  const log = useLoad(() => api<AuditLogEntry[]>('POST', '/admin/audit_logs/index', { limit: 50, page }), `audit/${page}`);
  return (
    <section className="card">
      <h2>Audit log</h2>
      {log.error ? <p className="error">{log.error}</p> : null}
      <table className="table">
        <thead><tr><th>When</th><th>Who</th><th>From</th><th>Action</th><th>What</th><th>Request</th></tr></thead>
        <tbody>
          {(log.data ?? []).map(({ AuditLog: a }) => (
            <tr key={a.id}><td className="nowrap">{a.created}</td><td>{a.email}</td><td>{a.request_ip}</td><td>{a.action}</td><td>{a.model} {a.model_id}</td><td className="muted small">{a.title}</td></tr>
          ))}
        </tbody>
      </table>
      <div className="pager">
        <button type="button" className="secondary" disabled={page <= 1} onClick={() => setPage(page - 1)}>Newer</button>
        <span>Page {page}</span>
        <button type="button" className="secondary" disabled={(log.data?.length ?? 0) < 50} onClick={() => setPage(page + 1)}>Older</button>
      </div>
    </section>
  );
}
