import { useState } from 'react';
import { api } from '../../api';
import { useLoad } from '../../useLoad';
import type { Feed, FeedComparison, FeedPreview, FeedRuns } from '@cairn/answers';

const PAGE = 60;

/** What a feed holds, read from its source without importing anything: a MISP feed's events, another's values. */
export function FeedPreviewTable({ feed }: { feed: Feed }) {
  const [page, setPage] = useState(1);
  const [search, setSearch] = useState('');
  const [asked, setAsked] = useState('');
  const query = feed.source_format === 'misp' ? (asked ? `?searchall=${encodeURIComponent(asked)}` : '') : `?page=${page}&limit=${PAGE}`;
  const preview = useLoad(() => api<FeedPreview>('GET', `/feeds/previewIndex/${feed.id}${query}`), `${feed.id}${query}`);
  if (preview.error) return <p className="error" role="alert">{preview.error}</p>;
  if (!preview.data) return <p className="muted">Reading {feed.url}…</p>;
  const data = preview.data;
  if (Array.isArray(data)) {
    return (
      <div className="feed-preview">
        <h3>{feed.name}: values{page > 1 ? `, page ${page}` : ''}</h3>
        {data.length === 0 ? <p className="muted">No value found.</p> : (
          <table className="table compact">
            <thead><tr><th>Value</th><th>Type</th><th>IDS</th><th>Comment</th></tr></thead>
            <tbody>{data.map((v, n) => <tr key={`${v.value}${n}`}><td className="value">{v.value}</td><td>{v.type}</td><td>{v.to_ids ? 'yes' : ''}</td><td className="muted">{v.comment ?? ''}</td></tr>)}</tbody>
          </table>
        )}
        <div className="pager">
          <button type="button" className="secondary" disabled={page === 1} onClick={() => setPage(page - 1)}>Previous</button>
          <button type="button" className="secondary" disabled={data.length < PAGE} onClick={() => setPage(page + 1)}>Next</button>
        </div>
      </div>
    );
  }
  const events = Object.entries(data).sort(([, a], [, b]) => String(b.date ?? '').localeCompare(String(a.date ?? '')));
  return (
    <div className="feed-preview">
      <div className="section-head">
        <h3>{feed.name}: {events.length} event{events.length === 1 ? '' : 's'} in its manifest</h3>
        <form className="inline" onSubmit={(e) => { e.preventDefault(); setAsked(search.trim()); }}>
          <input aria-label={`Search ${feed.name}`} placeholder="search info, org, tag, uuid" value={search} onChange={(e) => setSearch(e.target.value)} />
        </form>
      </div>
      {events.length === 0 ? <p className="muted">No event (or the manifest could not be read).</p> : (
        <table className="table compact">
          <thead><tr><th>Date</th><th>Creator</th><th>Info</th><th>Tags</th></tr></thead>
          <tbody>
            {events.slice(0, 500).map(([uuid, e]) => (
              <tr key={uuid}>
                <td className="nowrap">{e.date ?? ''}</td><td>{e.Orgc?.name ?? ''}</td>
                <td>{e.info ?? ''}<div className="muted small">{uuid}</div></td>
                <td className="small">{(e.Tag ?? []).map((t) => t.name).filter(Boolean).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {events.length > 500 ? <p className="muted">The first 500 shown: search to narrow.</p> : null}
    </div>
  );
}

/** The overlap of the cached feeds: for each pair, the values both hold, as a share of the row's feed. */
export function FeedComparisonTable() {
  const compared = useLoad(() => api<FeedComparison>('GET', '/feeds/compareFeeds'), 'compare');
  if (compared.error) return <p className="error" role="alert">{compared.error}</p>;
  if (!compared.data) return <div className="loading">Loading…</div>;
  const feeds = compared.data.map((x) => x.Feed);
  if (feeds.length === 0) return <p className="muted">No cached feed holds values yet: turn caching on and cache the feeds.</p>;
  return (
    <div className="scroll-x feed-compare">
      <h3>Overlap of the cached feeds</h3>
      <table className="table compact overlap">
        <thead><tr><th>Feed (values)</th>{feeds.map((f) => <th key={f.id} title={f.url}>{f.name}</th>)}</tr></thead>
        <tbody>
          {feeds.map((f) => (
            <tr key={f.id}>
              <th>{f.name} <span className="muted small">{f.values}</span></th>
              {feeds.map((o) => {
                if (o.id === f.id) return <td key={o.id} className="muted">—</td>;
                const c = f.ComparedFeed.find((x) => x.id === o.id);
                return <td key={o.id} data-pair={`${f.name}|${o.name}`} title={`${c?.overlap_count ?? 0} of the ${f.values} values of ${f.name} are in ${o.name}`}>
                  {c && c.overlap_count > 0 ? <>{c.overlap_count} <span className="muted small">({c.overlap_percentage}%)</span></> : <span className="muted">0</span>}
                </td>;
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const at = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');

/** A feed's recent runs, newest first: what each fetch or caching run did, and its errors. */
export function FeedHistory({ feed }: { feed: Feed }) {
  const runs = useLoad(() => api<FeedRuns>('GET', `/feeds/runs/${feed.id}`), `runs:${feed.id}:${feed.last_result?.finished ?? ''}`);
  if (runs.error) return <p className="error" role="alert">{runs.error}</p>;
  if (!runs.data) return <div className="loading">Loading…</div>;
  const list = runs.data.runs;
  return (
    <div className="feed-history">
      <h3>Runs of {feed.name}</h3>
      {list.length === 0 ? <p className="muted">Not run yet.</p> : (
        <table className="table compact">
          <thead><tr><th>Started</th><th>Took</th><th>Run</th><th>Outcome</th><th>Events new / updated / unchanged / refused</th><th>Attributes</th><th>Values</th><th>Errors</th></tr></thead>
          <tbody>
            {list.map((r) => (
              <tr key={r.id} data-run={r.id}>
                <td className="nowrap">{at(r.started)}</td><td>{r.finished - r.started} s</td><td>{r.kind}</td>
                <td><span className={`status ${r.outcome === 'failed' ? 'refused' : r.outcome === 'done' ? 'created' : 'updated'}`}>{r.outcome}</span></td>
                <td>{r.kind === 'fetch' ? `${r.events.created} / ${r.events.updated} / ${r.events.unchanged} / ${r.events.refused}` : ''}</td>
                <td>{r.attributes}</td><td>{r.values}</td>
                <td>{r.errors.length ? <ul className="problems">{r.errors.slice(0, 10).map((e) => <li key={e}>{e}</li>)}</ul> : null}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
