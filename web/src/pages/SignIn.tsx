import { useState, type FormEvent } from 'react';
import { api, ApiFailure } from '../api';
import type { Session } from '@cairn/answers';

export function SignIn({ onSignedIn }: { onSignedIn: (me: Session) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      onSignedIn(await api<Session>('POST', '/auth/login', { email, password }));
    } catch (err) {
      setError(err instanceof ApiFailure ? err.message : 'The server could not be reached.');
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="signin">
      <form className="card signin-card" onSubmit={submit}>
        <h1>Cairn</h1>
        <p className="muted">Threat intelligence, shared with care. Sign in to continue.</p>
        <label>E-mail address<input type="email" name="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} /></label>
        <label>Password<input type="password" name="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} /></label>
        {error ? <p className="error" role="alert">{error}</p> : null}
        <button type="submit" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
    </div>
  );
}
