import { api } from '../../api';
import { useLoad } from '../../useLoad';
import { useAction } from '../../useAction';
import type { AuthKeyEntry } from '@cairn/answers';

export function Keys() {
  const keys = useLoad(() => api<AuthKeyEntry[]>('GET', '/auth_keys/index'), 'keys');
  const { message, run } = useAction(keys.reload);
  return (
    <section className="card">
      <h2>API keys</h2>
      {message ? <p className="notice" role="status">{message}</p> : null}
      <table className="table">
        <thead><tr><th>User</th><th>Key</th><th>Comment</th><th>Made</th><th /></tr></thead>
        <tbody>
          {(keys.data ?? []).map((k) => (
            <tr key={k.AuthKey.id}>
              <td>{k.User.email}</td><td><code>{k.AuthKey.authkey_start}…{k.AuthKey.authkey_end}</code></td><td>{k.AuthKey.comment}</td>
              <td>{new Date(Number(k.AuthKey.created) * 1000).toISOString().slice(0, 10)}</td>
              <td><button type="button" className="link danger" onClick={() => run(() => api('POST', `/auth_keys/delete/${k.AuthKey.id}`), 'Key revoked.')}>revoke</button></td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
