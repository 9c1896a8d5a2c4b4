import { useState } from 'react';
import { api } from '../../api';
import { useLoad } from '../../useLoad';
import { useAction } from '../../useAction';
import type { TaxonomyEntry, Warninglists as WarninglistsAnswer } from '@cairn/answers';

export function Warninglists() {
  const lists = useLoad(() => api<WarninglistsAnswer>('GET', '/warninglists'), 'warninglists');
  const { message, run } = useAction(lists.reload);
  const [filter, setFilter] = useState('');
  const shown = (lists.data?.Warninglists ?? []).filter((w) => w.Warninglist.name.toLowerCase().includes(filter.toLowerCase()));
  return (
    <section className="card">
      <div className="section-head"><h2>Warninglists</h2><input aria-label="Filter warninglists" placeholder="filter" value={filter} onChange={(e) => setFilter(e.target.value)} /></div>
      {message ? <p className="notice" role="status">{message}</p> : null}
      {shown.length === 0 ? <p className="muted">None loaded (cairn warninglists load DIR).</p> : (
        <table className="table">
          <thead><tr><th>Name</th><th>Type</th><th>Entries</th><th>Enabled</th></tr></thead>
          <tbody>
            {shown.map(({ Warninglist: w }) => (
              <tr key={w.id}>
                <td>{w.name}</td><td>{w.type}</td><td>{w.warninglist_entry_count}</td>
                <td><label className="check"><input type="checkbox" checked={w.enabled} aria-label={`Enable ${w.name}`}
                  onChange={() => run(() => api('POST', '/warninglists/toggleEnable', { id: w.id, enabled: !w.enabled }), `${w.name} ${w.enabled ? 'disabled' : 'enabled'}.`)} /></label></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function Taxonomies() {
  const list = useLoad(() => api<TaxonomyEntry[]>('GET', '/taxonomies'), 'taxonomies');
  const { message, run } = useAction(list.reload);
  return (
    <section className="card">
      <h2>Taxonomies</h2>
      {message ? <p className="notice" role="status">{message}</p> : null}
      <table className="table">
        <thead><tr><th>Namespace</th><th>Description</th><th>Enabled</th></tr></thead>
        <tbody>
          {(list.data ?? []).map(({ Taxonomy: t }) => (
            <tr key={t.id}>
              <td>{t.namespace}</td><td className="muted">{t.description}</td>
              <td><label className="check"><input type="checkbox" checked={t.enabled} aria-label={`Enable ${t.namespace}`}
                onChange={() => run(() => api('POST', `/taxonomies/${t.enabled ? 'disable' : 'enable'}/${t.id}`), `${t.namespace} ${t.enabled ? 'disabled' : 'enabled'}.`)} /></label></td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
