import { useState } from 'react';
import { api, download } from '../api';
import { useAction } from '../useAction';
import { AttributeForm } from '../components/AttributeForm';
import { EventForm, saveEvent } from '../components/EventForm';
import { FreeTextImport } from '../components/FreeTextImport';
import { ObjectForm } from '../components/ObjectForm';
import { TagChip } from '../components/TagChip';
import { VirtualList } from '../components/VirtualList';
import type { AnalystItem, Annotations, Attribute, EventAbilities, EventView } from '@cairn/answers';
import { ANALYSIS, DISTRIBUTIONS, THREAT_LEVELS } from '../types';
import { useLoad } from '../useLoad';

type Row = { kind: 'category'; name: string; count: number } | { kind: 'attribute'; a: Attribute };

/** Indicators grouped by category, categories in order of first appearance, as the seeds' report reads. */
function indicatorRows(attributes: readonly Attribute[]): Row[] {
  const groups = new Map<string, Attribute[]>();
  for (const a of attributes) groups.set(a.category, [...(groups.get(a.category) ?? []), a]);
  return [...groups].flatMap(([name, list]) => [{ kind: 'category' as const, name, count: list.length }, ...list.map((a) => ({ kind: 'attribute' as const, a }))]);
}

/** The cached feeds holding any of these attributes' values, each with the values it holds, in order of first hit. */
function feedsHolding(attributes: readonly Attribute[]): Array<{ id: string; name: string; provider: string; values: string[] }> {
  const out = new Map<string, { id: string; name: string; provider: string; values: string[] }>();
  for (const a of attributes) {
    for (const f of a.Feed ?? []) {
      const entry = out.get(f.id) ?? { id: f.id, name: f.name, provider: f.provider, values: [] };
      out.set(f.id, entry);
      if (!entry.values.includes(a.value)) entry.values.push(a.value);
    }
  }
  return [...out.values()];
}

/** "Also in feed X": the cached feeds holding an attribute's value. */
function FeedBadge({ hits }: { hits: Attribute['Feed'] }) {
  if (!hits?.length) return null;
  const names = hits.map((f) => f.name);
  return <span className="badge feed" title={`also in feed${names.length === 1 ? '' : 's'} ${names.join(', ')}`}>{names.length === 1 ? `feed ${names[0]}` : `${names.length} feeds`}</span>;
}

/** Notes and opinions on an element, with those on them (as the server nests them), each once, in order. */
function analystItems(element: { Note?: AnalystItem[]; Opinion?: AnalystItem[] }): AnalystItem[] {
  const own = [...(element.Note ?? []), ...(element.Opinion ?? [])];
  return own.flatMap((item) => [item, ...analystItems(item as { Note?: AnalystItem[]; Opinion?: AnalystItem[] })]);
}

/** One note or opinion as text: what it says, who said it, and what it replies to when it is about another. */
function AnalystLine({ item, about }: { item: AnalystItem; about: string }) {
  return (
    <li className="analyst-item" data-uuid={item.uuid}>
      {item.note_type_name === 'Opinion'
        ? <div><span className="badge">opinion {item.opinion}/100</span> {item.comment}</div>
        : <div className="analyst-note">{item.note}</div>}
      <div className="muted small">{about ? `${about} · ` : ''}{item.authors}{item.Orgc ? ` (${item.Orgc.name})` : ''}{item.modified ? ` · ${item.modified}` : ''}</div>
    </li>
  );
}

export function EventPage({ id }: { id: string }) {
  // With the cached feeds holding each value: one more query for the whole event.
  const event = useLoad(() => api<EventView>('GET', `/events/view/${encodeURIComponent(id)}/includeFeedCorrelations:1`), id);
  // What the page offers is what the server would allow: it asks, and offers nothing until it knows.
  const may = useLoad(() => api<EventAbilities>('GET', `/cairn/events/${encodeURIComponent(id)}/abilities`), id);
  // The marks come after the event itself: the server answers the event first, and the list shows at once.
  const loaded = event.data?.Event.uuid;
  const notes = useLoad(() => (loaded ? api<Annotations>('GET', `/cairn/events/${encodeURIComponent(id)}/annotations`) : Promise.resolve(undefined)), `${id}:${loaded ?? ''}`);
  const { message, run: act, done } = useAction(async () => {
    await Promise.all([event.reload(), notes.reload()]);
  });
  const [tag, setTag] = useState('');
  /** Which form is open: adding an attribute or an object, changing the event, or changing the attribute of this uuid. */
  const [open, setOpen] = useState<'' | 'attribute' | 'object' | 'event' | 'freetext' | `edit:${string}` | `object:${string}`>('');
  const toggle = (form: typeof open) => setOpen(open === form ? '' : form);
  /** Objects are drawn 50 at a time: an event of thousands opens as fast as one of ten. */
  const [objectsShown, setObjectsShown] = useState(50);
  if (event.error) return <p className="error">{event.error}</p>;
  if (!event.data) return <div className="loading">Loading…</div>;
  const e = event.data.Event;
  const changeable = may.data?.change === true;
  const mayTag = may.data?.tag === true;
  const mayEditItems = may.data?.editItems === true;
  const mayDeleteItems = may.data?.deleteItems === true;
  const live = e.Attribute.filter((a) => !a.deleted);
  const objects = e.Object.filter((o) => !o.deleted);
  const editing = open.startsWith('edit:') ? live.find((a) => a.uuid === open.slice(5)) : undefined;
  const rows = indicatorRows(live);
  const note = (uuid: string) => notes.data?.attributes[uuid];
  const related = notes.data?.related ?? [];
  const name = e.info.replace(/[^\w.-]+/g, '_').slice(0, 60) || e.uuid;
  const reports = (e.EventReport ?? []).filter((r) => !r.deleted);
  const inFeeds = feedsHolding([...live, ...objects.flatMap((o) => o.Attribute.filter((a) => !a.deleted))]);
  // What analysts said about the event and its elements, each line naming what it is about.
  const aboutAttribute = new Map([...e.Attribute, ...e.Object.flatMap((o) => o.Attribute)].map((a) => [a.uuid, `on ${a.type} ${a.value}`]));
  const said = [
    ...analystItems(e).map((item) => ({ item, about: '' })),
    ...[...e.Attribute, ...e.Object.flatMap((o) => o.Attribute)].flatMap((a) => analystItems(a).map((item) => ({ item, about: aboutAttribute.get(a.uuid) ?? '' }))),
    ...e.Object.flatMap((o) => analystItems(o).map((item) => ({ item, about: `on object ${o.name}` }))),
    ...reports.flatMap((r) => analystItems(r).map((item) => ({ item, about: `on report ${r.name}` }))),
  ];
  return (
    <div className="event-page">
      <div className="event-head">
        <div>
          <h1 className="event-title">{e.info}</h1>
          <div className="muted">Event {e.id} · {e.uuid}</div>
        </div>
        <div className="actions">
          {changeable ? <button type="button" className="secondary" onClick={() => toggle('event')}>{open === 'event' ? 'Close' : 'Edit event'}</button> : null}
          {may.data?.publish ? (
            <button type="button" onClick={() => act(() => api('POST', `/events/${e.published ? 'unpublish' : 'publish'}/${e.id}`), e.published ? 'Back to draft.' : 'Published.')}>
              {e.published ? 'Unpublish' : 'Publish'}
            </button>
          ) : null}
          <div className="downloads">
            <span className="muted">Download:</span>
            <button type="button" className="link" onClick={() => download('GET', `/events/view/${e.id}`, `${name}.json`)}>MISP JSON</button>
            <button type="button" className="link" onClick={() => download('POST', '/events/restSearch', `${name}.stix.json`, { eventid: e.id, returnFormat: 'stix2' })}>STIX 2.1</button>
            <button type="button" className="link" onClick={() => download('POST', '/attributes/restSearch', `${name}.csv`, { eventid: e.id, returnFormat: 'csv' })}>CSV</button>
            <button type="button" className="link" onClick={() => download('GET', `/cairn/events/${e.id}/report?related=1`, `${name}.md`)}>Report</button>
          </div>
        </div>
      </div>
      {message ? <p className="notice" role="status">{message}</p> : null}
      {open === 'event' ? (
        <section className="card"><EventForm event={e} label="Save" submit={async (fields) => {
          await saveEvent(e.id)(fields);
          setOpen('');
          done('Event saved.');
        }} /></section>
      ) : null}
      <div className="event-layout">
        <div className="event-main">
          <section className="card">
            <h2>Key Intelligence</h2>
            <dl className="facts">
              <dt>Date</dt><dd>{e.date}</dd>
              <dt>Threat Level</dt><dd>{e.threat_level_id} ({THREAT_LEVELS[e.threat_level_id] ?? 'unknown'})</dd>
              <dt>Analysis</dt><dd>{ANALYSIS[e.analysis] ?? e.analysis}</dd>
              <dt>Distribution</dt><dd>{DISTRIBUTIONS[e.distribution] ?? e.distribution}</dd>
              <dt>Creator</dt><dd>{e.Orgc.name}</dd>
              <dt>State</dt><dd>{e.published ? 'Published' : 'Draft'}</dd>
              <dt>Tags</dt>
              <dd className="tags">
                {(e.Tag ?? []).map((t) => (
                  <TagChip key={t.name} tag={t} {...(mayTag ? { onRemove: () => act(() => api('POST', '/tags/removeTagFromObject', { uuid: e.uuid, tag: t.name }), `Removed ${t.name}.`) } : {})} />
                ))}
                {mayTag ? (
                  <form className="inline" onSubmit={(ev) => {
                    ev.preventDefault();
                    if (tag.trim()) void act(() => api('POST', '/tags/attachTagToObject', { uuid: e.uuid, tag: tag.trim() }), `Tagged ${tag.trim()}.`).then(() => setTag(''));
                  }}>
                    <input aria-label="New tag" placeholder="add a tag" value={tag} onChange={(ev) => setTag(ev.target.value)} />
                  </form>
                ) : null}
              </dd>
            </dl>
          </section>
          {e.Galaxy?.length ? (
            <section className="card">
              <h2>Galaxies</h2>
              {e.Galaxy.map((g) => (
                <div key={g.type} className="galaxy">
                  <h3>{g.name}</h3>
                  {g.GalaxyCluster.map((c) => <div key={c.tag_name}><strong>{c.value}</strong> <span className="muted">{(c.description ?? '').slice(0, 240)}</span></div>)}
                </div>
              ))}
            </section>
          ) : null}
          <section className="card">
            <div className="section-head">
              <h2>Indicators <span className="muted small">{live.length}</span></h2>
              {may.data?.addAttribute || may.data?.addObject ? (
                <div className="actions-row">
                  {may.data.addAttribute ? <button type="button" className="secondary" onClick={() => toggle('attribute')}>{open === 'attribute' ? 'Close' : 'Add attribute'}</button> : null}
                  {may.data.addAttribute ? <button type="button" className="secondary" onClick={() => toggle('freetext')}>{open === 'freetext' ? 'Close' : 'Free text'}</button> : null}
                  {may.data.addObject ? <button type="button" className="secondary" onClick={() => toggle('object')}>{open === 'object' ? 'Close' : 'Add object'}</button> : null}
                </div>
              ) : null}
            </div>
            {open === 'attribute' ? <AttributeForm eventId={e.id} onDone={done} /> : null}
            {open === 'object' ? <ObjectForm eventId={e.id} onDone={done} /> : null}
            {open === 'freetext' ? <FreeTextImport eventId={e.id} onDone={done} /> : null}
            {editing ? <AttributeForm key={editing.uuid + editing.timestamp} eventId={e.id} editing={editing} onDone={done} /> : null}
            {rows.length === 0 ? <p className="muted">No attributes.</p> : (
              <VirtualList className="indicators" items={rows} rowHeight={34} height={Math.min(640, rows.length * 34)} render={(row) => row.kind === 'category'
                ? <div className="category-row"><h3>{row.name}</h3><span className="muted small">{row.count}</span></div>
                : (
                  <div className="attribute-row" data-uuid={row.a.uuid}>
                    <span className="type">{row.a.type}</span>
                    <span className="value" title={row.a.value}>{row.a.value}</span>
                    <span className="badges">
                      {row.a.to_ids ? <span className="badge ids" title="for detection">IDS</span> : null}
                      {note(row.a.uuid)?.correlations ? <span className="badge corr" title="events sharing this value">{note(row.a.uuid)!.correlations} corr.</span> : null}
                      {note(row.a.uuid)?.warninglists.length ? <span className="badge warn" title={note(row.a.uuid)!.warninglists.join(', ')}>warninglist</span> : null}
                      {row.a.Sighting?.length ? <span className="badge sight" title="sightings">{row.a.Sighting.length} seen</span> : null}
                      <FeedBadge hits={row.a.Feed} />
                      {(row.a.Tag ?? []).map((t) => <TagChip key={t.name} tag={t} />)}
                    </span>
                    <span className="comment" title={row.a.comment}>{(row.a.comment ?? '').split('\n')[0]}</span>
                    {mayEditItems || mayDeleteItems ? (
                      <span className="row-actions">
                        {mayEditItems ? <button type="button" className="link" aria-label={`Edit ${row.a.value}`} onClick={() => toggle(`edit:${row.a.uuid}`)}>edit</button> : null}
                        {mayDeleteItems ? <button type="button" className="link danger" aria-label={`Delete ${row.a.value}`}
                          onClick={() => act(() => api('POST', `/attributes/delete/${row.a.uuid}`), `Deleted ${row.a.type} ${row.a.value}.`)}>delete</button> : null}
                      </span>
                    ) : <span />}
                  </div>
                )} />
            )}
          </section>
          {objects.length ? (
            <section className="card">
              <h2>Objects <span className="muted small">{objects.length}</span></h2>
              {objects.slice(0, objectsShown).map((o) => (
                <div key={o.uuid} className="object">
                  <div className="object-head">
                    <h3>{o.name} <span className="muted small">{o['meta-category']}</span></h3>
                    {mayEditItems || mayDeleteItems ? (
                      <span className="row-actions">
                        {mayEditItems ? <button type="button" className="link" aria-label={`Edit object ${o.name}`} onClick={() => toggle(`object:${o.uuid}`)}>{open === `object:${o.uuid}` ? 'close' : 'edit'}</button> : null}
                        {mayDeleteItems ? <button type="button" className="link danger" aria-label={`Delete object ${o.name}`} onClick={() => act(() => api('POST', `/objects/delete/${o.uuid}`), `Deleted the ${o.name} object.`)}>delete</button> : null}
                      </span>
                    ) : null}
                  </div>
                  {open === `object:${o.uuid}` ? <ObjectForm key={o.uuid + o.Attribute.length} eventId={e.id} editing={o} onDone={done} /> : null}
                  <p className="muted">{notes.data?.objectDescriptions[o.uuid] || o.description || ''}</p>
                  <table className="table compact">
                    <tbody>
                      {o.Attribute.filter((a) => !a.deleted).map((a) => (
                        <tr key={a.uuid}>
                          <td className="relation">{a.object_relation}</td><td className="value">{a.value}</td><td className="muted">{a.type}</td>
                          <td><FeedBadge hits={a.Feed} /></td>
                          <td>{mayDeleteItems ? <button type="button" className="link danger" aria-label={`Delete ${a.object_relation} ${a.value}`} onClick={() => act(() => api('POST', `/attributes/delete/${a.uuid}`), `Deleted ${a.object_relation} ${a.value}.`)}>delete</button> : null}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              ))}
              {objects.length > objectsShown ? (
                <button type="button" className="secondary" onClick={() => setObjectsShown(objects.length)}>Show all {objects.length} objects</button>
              ) : null}
            </section>
          ) : null}
          {reports.length ? (
            <section className="card event-reports">
              <h2>Event reports <span className="muted small">{reports.length}</span></h2>
              {reports.map((r) => (
                <article key={r.uuid} className="event-report" data-uuid={r.uuid}>
                  <h3>{r.name}</h3>
                  {/* A report is Markdown an author wrote: shown as text, never as markup. */}
                  <pre className="report-content">{r.content}</pre>
                </article>
              ))}
            </section>
          ) : null}
        </div>
        <aside className="event-side">
          {said.length ? (
            <section className="card analyst-notes">
              <h2>Analyst notes <span className="muted small">{said.length}</span></h2>
              <ul className="analyst-list">{said.map(({ item, about }) => <AnalystLine key={item.uuid} item={item} about={about} />)}</ul>
            </section>
          ) : null}
          {inFeeds.length ? (
            <section className="card feed-hits">
              <h2>In feeds <span className="muted small">{inFeeds.length}</span></h2>
              <ul className="related">
                {inFeeds.map((f) => (
                  <li key={f.id} data-feed={f.name}>
                    <strong>{f.name}</strong> <span className="muted small">{f.provider} · {f.values.length} value{f.values.length === 1 ? '' : 's'}</span>
                    <div className="shared-values">{f.values.slice(0, 5).map((v) => <code key={v}>{v}</code>)}{f.values.length > 5 ? <span className="muted"> +{f.values.length - 5}</span> : null}</div>
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
          <section className="card">
            <div className="section-head"><h2>Related events</h2><a href={`#/events/${e.id}/graph`}>Graph</a></div>
            {related.length === 0 ? <p className="muted">No other event you may see shares a value with this one.</p> : (
              <ul className="related">
                {related.map((r) => (
                  <li key={r.uuid}>
                    <a href={`#/events/${r.id}`}>{r.info}</a>
                    <div className="muted small">{r.date} · {r.shared} shared</div>
                    <div className="shared-values">{r.values.slice(0, 5).map((v) => <code key={v}>{v}</code>)}{r.values.length > 5 ? <span className="muted"> +{r.values.length - 5}</span> : null}</div>
                  </li>
                ))}
              </ul>
            )}
            {notes.data?.overCorrelating.length ? (
              <>
                <h3>Over-correlating</h3>
                <ul className="related">{notes.data.overCorrelating.map((o) => <li key={o.value}><code>{o.value}</code> <span className="muted small">{o.events} events</span></li>)}</ul>
              </>
            ) : null}
          </section>
        </aside>
      </div>
    </div>
  );
}
