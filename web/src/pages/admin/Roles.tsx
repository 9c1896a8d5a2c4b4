import { api } from '../../api';
import type { RoleEntry, RolePermission, Session } from '@cairn/answers';
import { useAction } from '../../useAction';
import { useLoad } from '../../useLoad';


/** The roles and the permission flags each grants; a site admin turns flags on and off. */
export function Roles({ me }: { me: Session }) {
  const roles = useLoad(() => api<RoleEntry[]>('GET', '/roles'), 'roles');
  const { message, run } = useAction(roles.reload);
  const flags = [...new Set((roles.data ?? []).flatMap(({ Role: r }) => Object.keys(r).filter((k): k is RolePermission => k.startsWith('perm_'))))];
  const editable = me.abilities.canEditRoles;
  return (
    <section className="card">
      <h2>Roles</h2>
      {message ? <p className="notice" role="status">{message}</p> : null}
      <div className="scroll-x">
        <table className="table compact roles">
          <thead><tr><th>Role</th>{flags.map((f) => <th key={f} className="flag">{f.slice(5).replace(/_/g, ' ')}</th>)}</tr></thead>
          <tbody>
            {(roles.data ?? []).map(({ Role: r }) => (
              <tr key={r.id}>
                <td className="nowrap">{r.name}</td>
                {flags.map((f) => (
                  <td key={f} className="flag">
                    <input type="checkbox" aria-label={`${r.name}: ${f}`} checked={r[f] === true} disabled={!editable}
                      onChange={() => run(() => api('POST', `/admin/roles/edit/${r.id}`, { [f]: r[f] !== true }), `${r.name}: ${f} ${r[f] === true ? 'off' : 'on'}.`)} />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
