import { useState } from 'react';
import { api } from '../../api';
import { useLoad } from '../../useLoad';
import { useAction } from '../../useAction';
import type { OrganisationEntry, RoleEntry, UserDocument } from '@cairn/answers';

export function Users() {
  const users = useLoad(() => api<UserDocument[]>('GET', '/admin/users/index'), 'users');
  const roles = useLoad(() => api<RoleEntry[]>('GET', '/roles'), 'roles');
  const orgs = useLoad(() => api<OrganisationEntry[]>('GET', '/organisations/index/scope:local').catch(() => [] as OrganisationEntry[]), 'orgs');
  const { message, run } = useAction(users.reload);
  const [draft, setDraft] = useState({ email: '', org_id: '', role_id: '', password: '' });
  const [password, setPassword] = useState<Record<string, string>>({});
  return (
    <section className="card">
      <h2>Users</h2>
      {message ? <p className="notice" role="status">{message}</p> : null}
      <table className="table">
        <thead><tr><th>E-mail</th><th>Organisation</th><th>Role</th><th>State</th><th>Password</th><th /></tr></thead>
        <tbody>
          {(users.data ?? []).map((u) => (
            <tr key={u.User.id}>
              <td>{u.User.email}</td>
              <td>{u.Organisation.name}</td>
              <td>
                <select aria-label={`Role of ${u.User.email}`} value={u.Role.id} onChange={(e) => run(() => api('POST', `/admin/users/edit/${u.User.id}`, { role_id: e.target.value }), `${u.User.email} has a new role.`)}>
                  {(roles.data ?? []).map((r) => <option key={r.Role.id} value={r.Role.id}>{r.Role.name}</option>)}
                </select>
              </td>
              <td>
                <button type="button" className="link" onClick={() => run(() => api('POST', `/admin/users/edit/${u.User.id}`, { disabled: !u.User.disabled }), `${u.User.email} ${u.User.disabled ? 'enabled' : 'disabled'}.`)}>
                  {u.User.disabled ? 'disabled: enable' : 'active: disable'}
                </button>
              </td>
              <td>
                <form className="inline" onSubmit={(e) => { e.preventDefault(); void run(() => api('POST', `/admin/users/edit/${u.User.id}`, { password: password[u.User.id] }), `New password set for ${u.User.email}.`).then(() => setPassword({ ...password, [u.User.id]: '' })); }}>
                  <input type="password" aria-label={`New password for ${u.User.email}`} placeholder="new password" autoComplete="new-password" minLength={12} value={password[u.User.id] ?? ''} onChange={(e) => setPassword({ ...password, [u.User.id]: e.target.value })} />
                </form>
              </td>
              <td><button type="button" className="link danger" onClick={() => run(() => api('POST', `/admin/users/delete/${u.User.id}`), `Deleted ${u.User.email}.`)}>delete</button></td>
            </tr>
          ))}
        </tbody>
      </table>
      <form className="inline-form" onSubmit={(e) => {
        e.preventDefault();
        const body = Object.fromEntries(Object.entries(draft).filter(([, v]) => v !== ''));
        void run(() => api('POST', '/admin/users/add', body), `Added ${draft.email}.`).then(() => setDraft({ email: '', org_id: '', role_id: '', password: '' }));
      }}>
        <input aria-label="New user's e-mail" type="email" placeholder="e-mail of a new user" required value={draft.email} onChange={(e) => setDraft({ ...draft, email: e.target.value })} />
        <select aria-label="New user's organisation" value={draft.org_id} onChange={(e) => setDraft({ ...draft, org_id: e.target.value })}>
          <option value="">your organisation</option>
          {(orgs.data ?? []).map((o) => <option key={o.Organisation.id} value={o.Organisation.id}>{o.Organisation.name}</option>)}
        </select>
        <select aria-label="New user's role" value={draft.role_id} onChange={(e) => setDraft({ ...draft, role_id: e.target.value })}>
          <option value="">User</option>
          {(roles.data ?? []).map((r) => <option key={r.Role.id} value={r.Role.id}>{r.Role.name}</option>)}
        </select>
        <input aria-label="New user's password" type="password" placeholder="password (12+)" autoComplete="new-password" value={draft.password} onChange={(e) => setDraft({ ...draft, password: e.target.value })} />
        <button type="submit">Add user</button>
      </form>
    </section>
  );
}
