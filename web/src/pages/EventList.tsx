import { useState, type FormEvent } from 'react';
import { api } from '../api';
import { TagChip } from '../components/TagChip';
import { navigate, queryOf } from '../router';
import type { EventIndexEntry } from '@cairn/answers';
import { THREAT_LEVELS } from '../types';
import { useLoad } from '../useLoad';

const PAGE_SIZE = 50;
const FILTERS = ['search', 'datefrom', 'dateuntil', 'org', 'tags', 'threatlevel', 'published'] as const;

/** The index's filters as events/index takes them. */
function indexBody(q: URLSearchParams) {
  const body: Record<string, unknown> = { limit: PAGE_SIZE, page: Number(q.get('page') ?? '1') || 1, sort: q.get('sort') ?? 'timestamp', desc: q.get('dir') !== 'asc' };
  if (q.get('search')) body.all = q.get('search');
  for (const f of ['datefrom', 'dateuntil', 'org', 'threatlevel', 'published'] as const) if (q.get(f)) body[f] = q.get(f);
  if (q.get('tags')) body.tags = q.get('tags')!.split(',').map((t) => t.trim()).filter(Boolean);
  return body;
}

export function EventList({ path }: { path: string }) {
  const q = queryOf(path);
  const { data, error } = useLoad(() => api<EventIndexEntry[]>('POST', '/events/index', indexBody(q)), path);
  const [form, setForm] = useState<Record<string, string>>(() => Object.fromEntries(FILTERS.map((f) => [f, q.get(f) ?? ''])));
  const page = Number(q.get('page') ?? '1') || 1;
  const go = (changes: Record<string, string>) => {
    const next = new URLSearchParams(q);
    for (const [k, v] of Object.entries(changes)) if (v) next.set(k, v); else next.delete(k);
    navigate(`/events?${next.toString()}`);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    go({ ...form, page: '' });
  };
  const sortBy = (column: string) => go({ sort: column, dir: q.get('sort') === column && q.get('dir') !== 'asc' ? 'asc' : '', page: '' });
  const header = (column: string, label: string) => (
    <th><button type="button" className="sort" onClick={() => sortBy(column)}>{label}{(q.get('sort') ?? 'timestamp') === column ? (q.get('dir') === 'asc' ? ' ▲' : ' ▼') : ''}</button></th>
  );
  const field = (name: string, label: string, type = 'text', placeholder = '') => (
    <label>{label}<input type={type} name={name} placeholder={placeholder} value={form[name] ?? ''} onChange={(e) => setForm({ ...form, [name]: e.target.value })} /></label>
  );
  return (
    <div>
      <h1>Events</h1>
      <form className="card filters" onSubmit={submit}>
        {field('search', 'Search', 'search', 'title or attribute value')}
        {field('datefrom', 'From', 'date')}
        {field('dateuntil', 'To', 'date')}
        {field('org', 'Organisation')}
        {field('tags', 'Tags', 'text', 'tlp:white, …')}
        <label>Threat level
          <select name="threatlevel" value={form.threatlevel ?? ''} onChange={(e) => setForm({ ...form, threatlevel: e.target.value })}>
            <option value="">any</option>
            {Object.entries(THREAT_LEVELS).map(([v, l]) => <option key={v} value={v}>{l}</option>)}
          </select>
        </label>
        <label>Published
          <select name="published" value={form.published ?? ''} onChange={(e) => setForm({ ...form, published: e.target.value })}>
            <option value="">any</option><option value="1">published</option><option value="0">draft</option>
          </select>
        </label>
        <button type="submit">Filter</button>
      </form>
      {error ? <p className="error">{error}</p> : null}
      {!data ? <div className="loading">Loading…</div> : (
        <>
          <table className="table card events-table">
            <thead>
              <tr>{header('id', 'Id')}{header('date', 'Date')}<th>Organisation</th>{header('info', 'Title')}<th>Tags</th><th>Attributes</th>{header('threat_level_id', 'Threat')}<th>Published</th></tr>
            </thead>
            <tbody>
              {data.length === 0 ? <tr><td colSpan={8} className="muted">No event matches.</td></tr> : data.map((e) => (
                <tr key={e.uuid}>
                  <td>{e.id}</td>
                  <td className="nowrap">{e.date}</td>
                  <td>{e.Orgc.name}</td>
                  <td><a href={`#/events/${e.id}`}>{e.info}</a></td>
                  <td>{e.EventTag.map((t) => <TagChip key={t.Tag.name} tag={t.Tag} />)}</td>
                  <td>{e.attribute_count}</td>
                  <td>{THREAT_LEVELS[e.threat_level_id] ?? e.threat_level_id}</td>
                  <td>{e.published ? 'yes' : 'draft'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="pager">
            <button type="button" className="secondary" disabled={page <= 1} onClick={() => go({ page: String(page - 1) })}>Previous</button>
            <span>Page {page}</span>
            <button type="button" className="secondary" disabled={data.length < PAGE_SIZE} onClick={() => go({ page: String(page + 1) })}>Next</button>
          </div>
        </>
      )}
    </div>
  );
}
