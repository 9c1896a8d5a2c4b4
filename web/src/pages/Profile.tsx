import { useState, type FormEvent } from 'react';
import { api, ApiFailure, setCsrfToken } from '../api';
import type { AuthKeyEntry, AuthKeyMade, Session } from '@cairn/answers';
import { useLoad } from '../useLoad';

export function Profile({ me }: { me: Session }) {
  const keys = useLoad(() => api<AuthKeyEntry[]>('GET', '/auth_keys/index'), 'keys');
  const [made, setMade] = useState('');
  const [comment, setComment] = useState('');
  const [message, setMessage] = useState('');
  const [current, setCurrent] = useState('');
  const [password, setPassword] = useState('');
  const fail = (err: unknown) => setMessage(err instanceof ApiFailure ? err.message : String(err));
  const makeKey = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const answer = await api<AuthKeyMade>('POST', '/auth_keys/add/me', { comment });
      setMade(answer.AuthKey.authkey_raw);
      setComment('');
      await keys.reload();
    } catch (err) {
      fail(err);
    }
  };
  const revoke = async (id: string) => {
    try {
      await api('POST', `/auth_keys/delete/${id}`);
      await keys.reload();
      setMessage('Key revoked.');
    } catch (err) {
      fail(err);
    }
  };
  const changePassword = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const answer = await api<Session>('POST', '/auth/password', { current, password });
      setCsrfToken(answer.csrfToken);
      setCurrent('');
      setPassword('');
      setMessage('Password changed; your other sessions have ended.');
    } catch (err) {
      fail(err);
    }
  };
  const mine = (keys.data ?? []).filter((k) => k.AuthKey.user_id === me.User.id);
  return (
    <div>
      <h1>{me.User.email}</h1>
      <p className="muted">{me.Organisation.name} · {me.Role.name}</p>
      {message ? <p className="notice" role="status">{message}</p> : null}
      <section className="card">
        <h2>API keys</h2>
        <p className="muted">For PyMISP, scripts and TAXII clients (HTTP Basic with your e-mail address and a key).</p>
        <table className="table">
          <thead><tr><th>Key</th><th>Comment</th><th>Made</th><th /></tr></thead>
          <tbody>
            {mine.map((k) => (
              <tr key={k.AuthKey.id}>
                <td><code>{k.AuthKey.authkey_start}…{k.AuthKey.authkey_end}</code></td>
                <td>{k.AuthKey.comment}</td>
                <td>{new Date(Number(k.AuthKey.created) * 1000).toISOString().slice(0, 10)}</td>
                <td><button type="button" className="link danger" onClick={() => revoke(k.AuthKey.id)}>revoke</button></td>
              </tr>
            ))}
          </tbody>
        </table>
        <form className="inline-form" onSubmit={makeKey}>
          <input aria-label="What the key is for" placeholder="what the key is for" value={comment} onChange={(e) => setComment(e.target.value)} />
          <button type="submit">Make a key</button>
        </form>
        {made ? <p className="notice">Your new key, shown this once: <code className="secret">{made}</code></p> : null}
      </section>
      <section className="card">
        <h2>Password</h2>
        <form className="form" onSubmit={changePassword}>
          <label>Current password<input type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} required /></label>
          <label>New password (12 characters or more)<input type="password" autoComplete="new-password" minLength={12} value={password} onChange={(e) => setPassword(e.target.value)} required /></label>
          <button type="submit">Change password</button>
        </form>
      </section>
    </div>
  );
}
