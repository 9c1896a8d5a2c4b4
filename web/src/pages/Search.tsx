import { useState, type FormEvent } from 'react';
import { api, ApiFailure, download } from '../api';
import type { AttributeHit, AttributeSearch, FeedCacheHits } from '@cairn/answers';

const FORMATS = ['json', 'csv', 'text', 'hashes', 'suricata', 'snort', 'zeek', 'rpz', 'cache', 'stix2'] as const;
const EXTENSIONS: Record<string, string> = { json: 'json', csv: 'csv', text: 'txt', hashes: 'txt', suricata: 'rules', snort: 'rules', zeek: 'intel', rpz: 'rpz', cache: 'txt', stix2: 'stix.json' };
const LIMIT = 500;

/** The query as restSearch takes it: only the fields filled in. */
function queryOf(f: Record<string, string>): Record<string, unknown> {
  const q: Record<string, unknown> = {};
  for (const k of ['value', 'type', 'category', 'org', 'from', 'to'] as const) if (f[k]?.trim()) q[k] = f[k]!.trim();
  if (f.tags?.trim()) q.tags = f.tags.split(',').map((t) => t.trim()).filter(Boolean);
  if (f.to_ids) q.to_ids = f.to_ids === '1';
  return q;
}

/** `feedHits`: the user's role shows feed hits (perm_view_feed_correlations); without it the caches are not asked. */
export function Search({ feedHits }: { feedHits: boolean }) {
  const [fields, setFields] = useState<Record<string, string>>({});
  const [hits, setHits] = useState<AttributeHit[] | undefined>(undefined);
  /** The cached feeds holding the value searched for, when it is one value (no wildcard). */
  const [feeds, setFeeds] = useState<FeedCacheHits>([]);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const set = (k: string) => (e: { target: { value: string } }) => setFields({ ...fields, [k]: e.target.value });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const value = fields.value?.trim() ?? '';
      const [answer, inFeeds] = await Promise.all([
        api<AttributeSearch>('POST', '/attributes/restSearch', { ...queryOf(fields), limit: LIMIT, includeEventUuid: true }),
        feedHits && value && !value.includes('%') ? api<FeedCacheHits>('GET', `/feeds/searchCaches?value=${encodeURIComponent(value)}`).catch(() => [] as FeedCacheHits) : Promise.resolve([] as FeedCacheHits),
      ]);
      setHits(answer.response.Attribute);
      setFeeds(inFeeds);
    } catch (err) {
      setError(err instanceof ApiFailure ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  const exportAs = (format: string) => {
    const events = format === 'stix2';
    void download('POST', events ? '/events/restSearch' : '/attributes/restSearch', `cairn-search.${EXTENSIONS[format]}`, { ...queryOf(fields), returnFormat: format })
      .catch((err: unknown) => setError(err instanceof ApiFailure ? err.message : String(err)));
  };
  const field = (k: string, label: string, placeholder = '', type = 'text') => (
    <label>{label}<input name={k} type={type} placeholder={placeholder} value={fields[k] ?? ''} onChange={set(k)} /></label>
  );
  return (
    <div>
      <h1>Search</h1>
      <form className="card filters" onSubmit={submit}>
        {field('value', 'Value', 'exact, or with % wildcards')}
        {field('type', 'Type', 'ip-dst, domain, …')}
        {field('category', 'Category', 'Network activity, …')}
        {field('tags', 'Tags', 'tlp:white, !tlp:red')}
        {field('org', 'Organisation')}
        {field('from', 'From', '', 'date')}
        {field('to', 'To', '', 'date')}
        <label>For detection
          <select name="to_ids" value={fields.to_ids ?? ''} onChange={set('to_ids')}>
            <option value="">any</option><option value="1">yes</option><option value="0">no</option>
          </select>
        </label>
        <button type="submit" disabled={busy}>{busy ? 'Searching…' : 'Search'}</button>
      </form>
      {error ? <p className="error" role="alert">{error}</p> : null}
      {feeds.length ? (
        <section className="card feed-hits">
          <h2>Also in feed{feeds.length === 1 ? '' : 's'}</h2>
          <ul className="related">
            {feeds.map(({ Feed: f }) => (
              <li key={f.id} data-feed={f.name}><strong>{f.name}</strong> <span className="muted small">{f.type}{f.uuid?.length ? ` · ${f.uuid.length} feed event${f.uuid.length === 1 ? '' : 's'}` : ''}</span></li>
            ))}
          </ul>
        </section>
      ) : null}
      {hits ? (
        <section className="card">
          <div className="section-head">
            <h2>{hits.length === LIMIT ? `The first ${LIMIT} attributes` : `${hits.length} attribute${hits.length === 1 ? '' : 's'}`}</h2>
            <div className="downloads"><span className="muted">Export:</span>{FORMATS.map((f) => <button key={f} type="button" className="link" onClick={() => exportAs(f)}>{f}</button>)}</div>
          </div>
          <table className="table results">
            <thead><tr><th>Event</th><th>Category</th><th>Type</th><th>Value</th><th>IDS</th><th>Comment</th></tr></thead>
            <tbody>
              {hits.map((h) => (
                <tr key={h.uuid}>
                  <td><a href={`#/events/${h.event_id}`}>{h.Event?.info ?? h.event_id}</a></td>
                  <td>{h.category}</td><td>{h.type}</td><td className="value">{h.value}</td><td>{h.to_ids ? 'yes' : ''}</td><td>{h.comment}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
    </div>
  );
}
