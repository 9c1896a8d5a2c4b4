import { useState, type FormEvent } from 'react';
import { api, ApiFailure } from '../api';
import type { OrganisationEntry, Server, ServerFlag, ServerSaved } from '@cairn/answers';

/** MISP's per-server flags an administrator sets, in the order its server form shows them. */
export const SERVER_FLAGS: ReadonlyArray<[ServerFlag, string]> = [
  ['pull', 'pull'], ['push', 'push'], ['push_sightings', 'push sightings'],
  ['pull_galaxy_clusters', 'pull galaxy clusters'], ['push_galaxy_clusters', 'push galaxy clusters'],
  ['pull_analyst_data', 'pull analyst data'], ['push_analyst_data', 'push analyst data'],
  ['internal', 'internal (same organisation)'], ['unpublish_event', 'unpublish pushed events'],
  ['publish_without_email', 'publish without e-mail'], ['self_signed', 'accept a self-signed certificate'],
];

/**
 * Adds a remote instance or changes one (`editing`). Its key is write-only: never shown, and kept as
 * stored when the field is left empty on a change.
 */
export function ServerForm({ editing, orgs, onDone }: { editing?: Server; orgs: readonly OrganisationEntry[]; onDone: (message: string) => void }) {
  const [fields, setFields] = useState({
    name: editing?.name ?? '', url: editing?.url ?? '', authkey: '', remote_org_id: editing?.remote_org_id ?? '',
    pull_rules: editing?.pull_rules ?? '', push_rules: editing?.push_rules ?? '',
  });
  const [flags, setFlags] = useState<Record<string, boolean>>(Object.fromEntries(SERVER_FLAGS.map(([f]) => [f, editing?.[f] ?? false])));
  const [error, setError] = useState('');
  const set = (k: keyof typeof fields) => (e: { target: { value: string } }) => setFields({ ...fields, [k]: e.target.value });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError('');
    const sent = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== ''));
    try {
      const saved = await api<ServerSaved>('POST', editing ? `/servers/edit/${editing.id}` : '/servers/add', { Server: { ...sent, ...flags } });
      setFields({ ...fields, authkey: '' });
      onDone(`${editing ? 'Changed' : 'Added'} the server ${saved.Server.name}.`);
    } catch (err) {
      setError(err instanceof ApiFailure ? err.message : String(err));
    }
  };
  return (
    <form className="attribute-form server-form" aria-label={editing ? 'Change server' : 'Add server'} onSubmit={submit}>
      <label>Name<input name="name" required={!editing} value={fields.name} onChange={set('name')} /></label>
      <label className="grow">URL<input name="url" required={!editing} placeholder="https://misp.example.org" value={fields.url} onChange={set('url')} /></label>
      <label>Remote organisation
        <select name="remote_org_id" required={!editing} value={fields.remote_org_id} onChange={set('remote_org_id')}>
          <option value="">choose…</option>
          {orgs.map((o) => <option key={o.Organisation.id} value={o.Organisation.id}>{o.Organisation.name}</option>)}
        </select>
      </label>
      <label>Authkey
        <input name="authkey" type="password" autoComplete="off" required={!editing}
          placeholder={editing ? 'unchanged (write-only)' : '40 letters and digits'} value={fields.authkey} onChange={set('authkey')} />
      </label>
      <div className="flags">
        {SERVER_FLAGS.map(([f, label]) => (
          <label key={f} className="check"><input type="checkbox" name={f} checked={flags[f] ?? false} onChange={(e) => setFlags({ ...flags, [f]: e.target.checked })} /> {label}</label>
        ))}
      </div>
      <label className="grow">Pull rules (MISP's JSON)<textarea name="pull_rules" rows={2} value={fields.pull_rules} onChange={set('pull_rules')} /></label>
      <label className="grow">Push rules (MISP's JSON)<textarea name="push_rules" rows={2} value={fields.push_rules} onChange={set('push_rules')} /></label>
      <button type="submit">{editing ? 'Save server' : 'Add server'}</button>
      {error ? <p className="error" role="alert">{error}</p> : null}
    </form>
  );
}
