import { api } from '../../api';
import { useLoad } from '../../useLoad';

interface RoleDoc { Role: Record<string, unknown> & { id: string; name: string } }

/** The roles and the permission flags each grants. */
export function Roles() {
  const roles = useLoad(() => api<RoleDoc[]>('GET', '/roles'), 'roles');
  return (
    <section className="card">
      <h2>Roles</h2>
      <table className="table">
        <thead><tr><th>Role</th><th>Permissions</th></tr></thead>
        <tbody>
          {(roles.data ?? []).map(({ Role: r }) => (
            <tr key={r.id}>
              <td>{r.name}</td>
              <td>{Object.entries(r).filter(([k, v]) => k.startsWith('perm_') && v === true).map(([k]) => <span key={k} className="member">{k.slice(5)}</span>)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
