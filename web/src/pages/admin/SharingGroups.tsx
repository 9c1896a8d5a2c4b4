import { useState } from 'react';
import { api } from '../../api';
import { useLoad } from '../../useLoad';
import { useAction } from '../../useAction';
import type { OrganisationEntry, SharingGroups as SharingGroupsAnswer } from '@cairn/answers';

export function SharingGroups() {
  const groups = useLoad(() => api<SharingGroupsAnswer>('GET', '/sharing_groups'), 'groups');
  const orgs = useLoad(() => api<OrganisationEntry[]>('GET', '/organisations/index/scope:all'), 'orgs');
  const { message, run } = useAction(groups.reload);
  const [name, setName] = useState('');
  const [member, setMember] = useState<Record<string, string>>({});
  return (
    <section className="card">
      <h2>Sharing groups</h2>
      {message ? <p className="notice" role="status">{message}</p> : null}
      <table className="table">
        <thead><tr><th>Name</th><th>Made by</th><th>Organisations</th><th /></tr></thead>
        <tbody>
          {(groups.data?.response ?? []).map((g) => (
            <tr key={g.SharingGroup.id}>
              <td>{g.SharingGroup.name}<div className="muted small">{g.SharingGroup.description}</div></td>
              <td>{g.Organisation.name}</td>
              <td>
                {g.SharingGroupOrg.map((m) => (
                  <span key={m.org_id} className="member">{m.Organisation.name}
                    {g.editable ? <button type="button" className="link danger" aria-label={`Remove ${m.Organisation.name}`} onClick={() => run(() => api('POST', '/sharing_groups/removeOrg', { sg_id: g.SharingGroup.id, org_id: m.org_id }), `Removed ${m.Organisation.name}.`)}>×</button> : null}
                  </span>
                ))}
                {g.editable ? (
                  <form className="inline" onSubmit={(e) => { e.preventDefault(); void run(() => api('POST', '/sharing_groups/addOrg', { sg_id: g.SharingGroup.id, org_id: member[g.SharingGroup.id] }), 'Organisation added.'); }}>
                    <select aria-label={`Add an organisation to ${g.SharingGroup.name}`} value={member[g.SharingGroup.id] ?? ''} onChange={(e) => setMember({ ...member, [g.SharingGroup.id]: e.target.value })}>
                      <option value="">add an organisation…</option>
                      {(orgs.data ?? []).map((o) => <option key={o.Organisation.id} value={o.Organisation.id}>{o.Organisation.name}</option>)}
                    </select>
                    <button type="submit" className="secondary">Add</button>
                  </form>
                ) : null}
              </td>
              <td>{g.editable ? <button type="button" className="link danger" onClick={() => run(() => api('POST', `/sharing_groups/delete/${g.SharingGroup.id}`), `Deleted ${g.SharingGroup.name}.`)}>delete</button> : null}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <form className="inline-form" onSubmit={(e) => { e.preventDefault(); void run(() => api('POST', '/sharing_groups/add', { name }), `Made ${name}.`).then(() => setName('')); }}>
        <input aria-label="Sharing group name" placeholder="name of a new sharing group" required value={name} onChange={(e) => setName(e.target.value)} />
        <button type="submit">Make sharing group</button>
      </form>
    </section>
  );
}
