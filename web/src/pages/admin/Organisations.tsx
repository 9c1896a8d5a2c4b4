import { useState } from 'react';
import { api } from '../../api';
import { useLoad } from '../../useLoad';
import { useAction } from '../../useAction';
import type { OrganisationEntry } from '@cairn/answers';

export function Organisations() {
  const orgs = useLoad(() => api<OrganisationEntry[]>('GET', '/organisations/index/scope:all'), 'orgs');
  const { message, run } = useAction(orgs.reload);
  const [name, setName] = useState('');
  return (
    <section className="card">
      <h2>Organisations</h2>
      {message ? <p className="notice" role="status">{message}</p> : null}
      <table className="table">
        <thead><tr><th>Id</th><th>Name</th><th>Uuid</th><th>Kind</th><th>Sector</th><th /></tr></thead>
        <tbody>
          {(orgs.data ?? []).map(({ Organisation: o }) => (
            <tr key={o.id}>
              <td>{o.id}</td><td>{o.name}</td><td className="muted small">{o.uuid}</td><td>{o.local ? 'local' : 'known'}</td><td>{o.sector}</td>
              <td><button type="button" className="link danger" onClick={() => run(() => api('POST', `/admin/organisations/delete/${o.id}`), `Deleted ${o.name}.`)}>delete</button></td>
            </tr>
          ))}
        </tbody>
      </table>
      <form className="inline-form" onSubmit={(e) => { e.preventDefault(); void run(() => api('POST', '/admin/organisations/add', { name }), `Added ${name}.`).then(() => setName('')); }}>
        <input aria-label="Organisation name" placeholder="name of a new local organisation" value={name} onChange={(e) => setName(e.target.value)} required />
        <button type="submit">Add organisation</button>
      </form>
    </section>
  );
}
