import { useEffect, useState } from 'react';
import { api } from '../../api';
import { useLoad } from '../../useLoad';
import { useAction } from '../../useAction';
import { FeedForm } from '../../components/FeedForm';
import type { Feed, FeedEntry, FeedFetched, FeedRunResult } from '@cairn/answers';
import { FeedComparisonTable, FeedHistory, FeedPreviewTable } from './FeedPanels';

/** Which form or table is open: adding, the comparison, or changing, previewing or the history of the feed of this id. */
type Open = '' | 'add' | 'compare' | `edit:${string}` | `preview:${string}` | `history:${string}`;

const FORMAT: Record<string, string> = { misp: 'MISP', csv: 'CSV', freetext: 'free text', taxii: 'TAXII' };

const when = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');

/** What a feed's last run did, in a line, and its errors below it. */
function LastRun({ feed }: { feed: Feed }) {
  const r: FeedRunResult | null = feed.last_result;
  if (!r) return <span className="muted">never run</span>;
  const counts = r.kind === 'cache'
    ? `${r.values} value${r.values === 1 ? '' : 's'} cached`
    : feed.source_format === 'misp' || feed.source_format === 'taxii'
      ? `${r.events.created} new, ${r.events.updated} updated, ${r.events.unchanged} unchanged${r.events.refused ? `, ${r.events.refused} refused` : ''} event(s); ${r.attributes} attribute(s)`
      : `${r.values} value${r.values === 1 ? '' : 's'}`;
  const outcome = r.outcome === 'failed' ? 'failed' : r.outcome === 'not-modified' ? 'not modified' : 'done';
  return (
    <div className="last-run" data-outcome={r.outcome}>
      <span className={`status ${r.outcome === 'failed' ? 'refused' : r.outcome === 'done' ? 'created' : 'updated'}`}>{r.kind} {outcome}</span>
      {' '}<span className="small">{r.outcome === 'failed' ? '' : counts}</span>
      <div className="muted small">{when(r.finished)}{feed.fetched_at ? ` · last fetch ${feed.fetched_at}` : ''}{feed.cache_timestamp !== false ? ` · cached ${when(Number(feed.cache_timestamp))}` : ''}</div>
      {r.errors.length ? <ul className="problems">{r.errors.slice(0, 5).map((e) => <li key={e}>{e}</li>)}{r.errors.length > 5 ? <li>and {r.errors.length - 5} more</li> : null}</ul> : null}
    </div>
  );
}

/**
 * Feeds (site admins): the list with each feed's state and last run, and what can be done to each —
 * enable, cache, fetch now, preview, change, delete — the default list, and the overlap of the caches.
 */
export function Feeds() {
  const feeds = useLoad(() => api<FeedEntry[]>('GET', '/feeds/index'), 'feeds');
  const { message, run, done } = useAction(feeds.reload);
  const [open, setOpen] = useState<Open>('');
  const [busy, setBusy] = useState('');
  /** Caching runs in the background: the list is read again, a few times, until the feeds said are cached anew. */
  const [watching, setWatching] = useState<{ ids: string[]; since: Record<string, string | false>; rounds: number } | undefined>(undefined);
  const toggle = (form: typeof open) => setOpen(open === form ? '' : form);
  const list = feeds.data ?? [];

  useEffect(() => {
    if (!watching) return;
    const settled = watching.ids.every((id) => {
      const f = list.find((x) => x.Feed.id === id)?.Feed;
      return !f || f.cache_timestamp !== watching.since[id];
    });
    if (settled || watching.rounds >= 30) {
      setWatching(undefined);
      return;
    }
    const t = setTimeout(() => {
      setWatching({ ...watching, rounds: watching.rounds + 1 });
      void feeds.reload();
    }, 1000);
    return () => clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [watching, feeds.data]);

  const cache = (targets: Feed[], scope: string) => run(async () => {
    await api('GET', `/feeds/cacheFeeds/${scope}`);
    setWatching({ ids: targets.map((f) => f.id), since: Object.fromEntries(targets.map((f) => [f.id, f.cache_timestamp])), rounds: 0 });
  }, `Caching ${targets.length === 1 ? targets[0]!.name : `${targets.length} feeds`} in the background…`);
  /** A fetch runs within the request: its answer says what it did, and the list then shows it as the last run. */
  const fetchNow = async (f: Feed) => {
    setBusy(f.id);
    try {
      const r = await api<FeedFetched>('GET', `/feeds/fetchFromFeed/${f.id}`);
      done(`${f.name}: ${r.result}`);
    } catch (err) {
      done(`${f.name}: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      setBusy('');
    }
  };
  const caching = list.filter((x) => x.Feed.caching_enabled).map((x) => x.Feed);
  return (
    <section className="card feeds">
      <div className="section-head">
        <h2>Feeds <span className="muted small">{list.length}</span></h2>
        <div className="actions-row">
          <button type="button" className="secondary" onClick={() => toggle('add')}>{open === 'add' ? 'Close' : 'Add feed'}</button>
          <button type="button" className="secondary" onClick={() => run(() => api('POST', '/feeds/loadDefaultFeeds'), 'Default feeds loaded (all disabled).')}>Load default feeds</button>
          <button type="button" className="secondary" disabled={caching.length === 0} onClick={() => cache(caching, 'all')}>Cache all</button>
          <button type="button" className="secondary" onClick={() => toggle('compare')}>{open === 'compare' ? 'Close' : 'Compare feeds'}</button>
        </div>
      </div>
      {message ? <p className="notice" role="status">{message}</p> : null}
      {feeds.error ? <p className="error" role="alert">{feeds.error}</p> : null}
      {open === 'add' ? <FeedForm onDone={(m) => { setOpen(''); done(m); }} /> : null}
      {open === 'compare' ? <FeedComparisonTable /> : null}
      {list.length === 0 ? <p className="muted">No feed yet: add one, or load the default list.</p> : (
        <div className="scroll-x">
          <table className="table feed-list">
            <thead><tr><th>Feed</th><th>Format</th><th>Enabled</th><th>Caching</th><th>Last run</th><th /></tr></thead>
            <tbody>
              {list.map(({ Feed: f }) => (
                <FeedRow key={f.id} f={f} open={open} busy={busy === f.id}
                  onToggle={toggle} onDone={(m) => { setOpen(''); done(m); }}
                  enable={() => run(() => api('POST', `/feeds/${f.enabled ? 'disable' : 'enable'}/${f.id}`), `${f.name} ${f.enabled ? 'disabled' : 'enabled'}.`)}
                  setCaching={() => run(() => api('POST', `/feeds/edit/${f.id}`, { Feed: { caching_enabled: !f.caching_enabled } }), `Caching of ${f.name} ${f.caching_enabled ? 'off' : 'on'}.`)}
                  fetchNow={() => void fetchNow(f)} cacheNow={() => cache([f], f.id)}
                  remove={() => void run(() => api('POST', `/feeds/delete/${f.id}`), `Deleted ${f.name}; the events it brought stay.`)} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function FeedRow({ f, open, busy, onToggle, onDone, enable, setCaching, fetchNow, cacheNow, remove }: {
  f: Feed; open: Open; busy: boolean; onToggle: (o: Open) => void; onDone: (m: string) => void;
  enable: () => void; setCaching: () => void; fetchNow: () => void; cacheNow: () => void; remove: () => void;
}) {
  const previewable = f.source_format !== 'taxii';
  return (
    <>
      <tr data-feed={f.name}>
        <td>{f.name}{f.default ? <> <span className="badge">default</span></> : null}<div className="muted small">{f.provider} · <span className="value">{f.url}</span></div></td>
        <td>{FORMAT[f.source_format] ?? f.source_format}{f.input_source === 'local' ? <div className="muted small">local</div> : null}</td>
        <td><label className="check"><input type="checkbox" aria-label={`Enable ${f.name}`} checked={f.enabled} onChange={enable} /></label></td>
        <td><label className="check"><input type="checkbox" aria-label={`Cache ${f.name}`} checked={f.caching_enabled} onChange={setCaching} /></label></td>
        <td><LastRun feed={f} /></td>
        <td className="row-actions nowrap">
          <button type="button" className="link" disabled={!f.enabled || busy} aria-label={`Fetch ${f.name}`} title={f.enabled ? 'fetch now' : 'enable it first'} onClick={fetchNow}>{busy ? 'fetching…' : 'fetch'}</button>
          <button type="button" className="link" disabled={!f.caching_enabled} aria-label={`Cache ${f.name} now`} onClick={cacheNow}>cache</button>
          {previewable ? <button type="button" className="link" aria-label={`Preview ${f.name}`} onClick={() => onToggle(`preview:${f.id}`)}>{open === `preview:${f.id}` ? 'close' : 'preview'}</button> : null}
          <button type="button" className="link" aria-label={`History of ${f.name}`} onClick={() => onToggle(`history:${f.id}`)}>{open === `history:${f.id}` ? 'close' : 'history'}</button>
          <button type="button" className="link" aria-label={`Edit ${f.name}`} onClick={() => onToggle(`edit:${f.id}`)}>{open === `edit:${f.id}` ? 'close' : 'edit'}</button>
          <button type="button" className="link danger" aria-label={`Delete ${f.name}`} onClick={remove}>delete</button>
        </td>
      </tr>
      {open === `edit:${f.id}` ? <tr><td colSpan={6}><FeedForm key={f.id} editing={f} onDone={onDone} /></td></tr> : null}
      {open === `preview:${f.id}` ? <tr><td colSpan={6}><FeedPreviewTable feed={f} /></td></tr> : null}
      {open === `history:${f.id}` ? <tr><td colSpan={6}><FeedHistory feed={f} /></td></tr> : null}
    </>
  );
}
