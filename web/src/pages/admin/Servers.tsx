import { useState } from 'react';
import { api } from '../../api';
import { useLoad } from '../../useLoad';
import { useAction } from '../../useAction';
import { SERVER_FLAGS, ServerForm } from '../../components/ServerForm';
import type { OrganisationEntry, Server, ServerConnection, ServerEntry, ServerRun, ServerRuns, ServerSyncStarted } from '@cairn/answers';

/** MISP's words for the status of a connection test (its servers page says the same). */
const CONNECTION: Record<number, string> = {
  1: 'OK', 2: 'Server unreachable', 3: 'Unexpected error', 4: 'Authentication failed', 5: 'Password change required',
  6: 'Terms not accepted', 7: 'Remote user not a sync user, only pulling events is available',
  8: 'Remote user not a sync user, only pulling events is available; pushing available for sightings only',
};
const POST_TEST: Record<string, string> = { 1: 'Received sent package', 8: 'Could not POST message', 9: 'Invalid body', 10: 'Invalid headers' };

function failure(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function connectionText(c: ServerConnection): string {
  const status = CONNECTION[c.status] ?? `status ${c.status}`;
  if (c.status !== 1) return status;
  const post = c.post === undefined || c.post === false ? '' : `; POST test: ${POST_TEST[String(c.post)] ?? 'remote too old for this test'}`;
  const versions = c.version ? `; remote ${c.version}${c.local_version ? `, local ${c.local_version}` : ''}${c.mismatch ? ` (${c.mismatch} mismatch)` : ''}` : '';
  return `${status}${versions}${post}`;
}

/** What else a run moved besides events: sightings, proposals, clusters, analyst data (those it moved any of). */
function alsoMoved(r: ServerRun): string {
  const counts: Array<[string, number | undefined]> = [['sightings', r.sightings], ['proposals', r.proposals], ['clusters', r.clusters], ['analyst data', r.analyst_data]];
  return counts.filter(([, n]) => (n ?? 0) > 0).map(([what, n]) => `${n} ${what}`).join(', ');
}

/** The pull and push runs with one remote, newest first, and what each refused and why. */
export function RunHistory({ server }: { server: Server }) {
  const runs = useLoad(() => api<ServerRuns>('GET', `/servers/runs/${server.id}`), `runs:${server.id}`);
  if (runs.error) return <p className="error run-history" role="alert">{runs.error}</p>;
  if (!runs.data) return <div className="loading">Loading…</div>;
  const list: ServerRun[] = runs.data.runs;
  return (
    <div className="run-history">
      <div className="section-head"><h3>Runs with {server.name}</h3><button type="button" className="link" onClick={() => void runs.reload()}>refresh</button></div>
      {list.length === 0 ? <p className="muted">No pull or push yet.</p> : (
        <table className="table compact">
          <thead><tr><th>Started</th><th>Finished</th><th>Run</th><th>Status</th><th>Pulled</th><th>Pushed</th><th>Refused</th><th>Error, refusals</th></tr></thead>
          <tbody>
            {list.map((r) => (
              <tr key={r.id} data-run={r.id}>
                <td className="nowrap">{r.started.replace('T', ' ').slice(0, 19)}</td>
                <td className="nowrap">{r.finished ? r.finished.replace('T', ' ').slice(0, 19) : <span className="muted">—</span>}</td>
                <td>{r.kind} <span className="muted small">{r.scope}</span>{alsoMoved(r) ? <div className="muted small">also {alsoMoved(r)}</div> : null}</td>
                <td><span className={`status ${r.status === 'ok' ? 'created' : r.status === 'failed' ? 'refused' : 'updated'}`}>{r.status}</span></td>
                <td>{r.pulled}</td><td>{r.pushed}</td><td>{r.refused}</td>
                <td>
                  {r.error ? <div className="error small">{r.error}</div> : null}
                  {r.refusals.length ? <ul className="problems">{r.refusals.map((x) => <li key={x.event}><code>{x.event}</code> {x.reason}</li>)}</ul> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

type Open = '' | 'add' | `edit:${string}` | `runs:${string}`;

/**
 * Remote instances (site admins): MISP's servers with their flags and rules, a connection test, pulls
 * and pushes on demand, and each server's run history. The key given is never shown again.
 */
export function Servers() {
  const servers = useLoad(() => api<ServerEntry[]>('GET', '/servers/index'), 'servers');
  const orgs = useLoad(() => api<OrganisationEntry[]>('GET', '/organisations/index/scope:all'), 'orgs');
  const { message, run, done } = useAction(servers.reload);
  const [open, setOpen] = useState<Open>('');
  const [tests, setTests] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState('');
  const [round, setRound] = useState(0);
  const toggle = (o: Open) => setOpen(open === o ? '' : o);
  const test = async (s: Server) => {
    setTests({ ...tests, [s.id]: 'Running test…' });
    let text: string;
    try {
      text = connectionText(await api<ServerConnection>('GET', `/servers/testConnection/${s.id}`));
    } catch (err) {
      text = failure(err);
    }
    setTests((t) => ({ ...t, [s.id]: text }));
  };
  const sync = async (s: Server, kind: 'pull' | 'push', scope: 'full' | 'incremental') => {
    setBusy(`${s.id}:${kind}`);
    try {
      const r = await api<ServerSyncStarted | undefined>('GET', `/servers/${kind}/${s.id}/${scope}`);
      done(`${s.name}: ${r?.message ?? r?.name ?? `${kind} (${scope}) started.`}`);
      // The history is shown, and read again, with the run just started.
      setOpen(`runs:${s.id}`);
      setRound((n) => n + 1);
    } catch (err) {
      done(`${s.name}: ${failure(err)}`);
    } finally {
      setBusy('');
    }
  };
  const list = servers.data ?? [];
  return (
    <section className="card servers">
      <div className="section-head">
        <h2>Servers <span className="muted small">{list.length}</span></h2>
        <button type="button" className="secondary" onClick={() => toggle('add')}>{open === 'add' ? 'Close' : 'Add server'}</button>
      </div>
      <p className="muted">The MISP instances (and other Cairns) this one pulls from and pushes to. A server's key is stored sealed and never shown again.</p>
      {message ? <p className="notice" role="status">{message}</p> : null}
      {servers.error ? <p className="error" role="alert">{servers.error}</p> : null}
      {open === 'add' ? <ServerForm orgs={orgs.data ?? []} onDone={(m) => { setOpen(''); done(m); }} /> : null}
      {list.length === 0 ? <p className="muted">No server yet.</p> : (
        <div className="scroll-x">
          <table className="table server-list">
            <thead><tr><th>Server</th><th>Remote organisation</th><th>Flags</th><th>Connection</th><th>Sync</th><th /></tr></thead>
            <tbody>
              {list.map(({ Server: s, RemoteOrg }) => (
                <ServerRow key={s.id} s={s} remote={RemoteOrg.name} open={open} busy={busy} tested={tests[s.id]} round={round}
                  orgs={orgs.data ?? []} onToggle={toggle} onDone={(m) => { setOpen(''); done(m); }}
                  test={() => void test(s)} sync={(kind, scope) => void sync(s, kind, scope)}
                  remove={() => void run(() => api('POST', `/servers/delete/${s.id}`), `Deleted ${s.name}.`)} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function ServerRow({ s, remote, open, busy, tested, round, orgs, onToggle, onDone, test, sync, remove }: {
  s: Server; remote: string; open: Open; busy: string; tested: string | undefined; round: number; orgs: readonly OrganisationEntry[];
  onToggle: (o: Open) => void; onDone: (m: string) => void; test: () => void; sync: (kind: 'pull' | 'push', scope: 'full' | 'incremental') => void; remove: () => void;
}) {
  const on = SERVER_FLAGS.filter(([f]) => s[f]);
  return (
    <>
      <tr data-server={s.name}>
        <td>{s.name}<div className="muted small value">{s.url}</div></td>
        <td>{remote}</td>
        <td className="small">{on.length ? on.map(([f, label]) => <span key={f} className="badge">{label}</span>) : <span className="muted">none</span>}</td>
        <td>
          <button type="button" className="link" aria-label={`Test connection to ${s.name}`} onClick={test}>test</button>
          {tested ? <div className="small connection-result" role="status">{tested}</div> : null}
        </td>
        <td className="nowrap">
          {(['pull', 'push'] as const).map((kind) => (
            <div key={kind}>
              <span className="muted small">{kind}:</span>
              {(['full', 'incremental'] as const).map((scope) => (
                <button key={scope} type="button" className="link" disabled={busy === `${s.id}:${kind}`} aria-label={`${kind === 'pull' ? 'Pull' : 'Push'} ${scope} ${s.name}`} onClick={() => sync(kind, scope)}>{scope}</button>
              ))}
            </div>
          ))}
        </td>
        <td className="row-actions nowrap">
          <button type="button" className="link" aria-label={`History of ${s.name}`} onClick={() => onToggle(`runs:${s.id}`)}>{open === `runs:${s.id}` ? 'close' : 'history'}</button>
          <button type="button" className="link" aria-label={`Edit ${s.name}`} onClick={() => onToggle(`edit:${s.id}`)}>{open === `edit:${s.id}` ? 'close' : 'edit'}</button>
          <button type="button" className="link danger" aria-label={`Delete ${s.name}`} onClick={remove}>delete</button>
        </td>
      </tr>
      {open === `edit:${s.id}` ? <tr><td colSpan={6}><ServerForm key={s.id} editing={s} orgs={orgs} onDone={onDone} /></td></tr> : null}
      {open === `runs:${s.id}` ? <tr><td colSpan={6}><RunHistory key={round} server={s} /></td></tr> : null}
    </>
  );
}
