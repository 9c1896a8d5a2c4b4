import { useState } from 'react';
import { api, ApiFailure } from '../api';
import type { AttributeSaved, DescribeTypes, FreeTextFound } from '@cairn/answers';
import { loadDescribeTypes } from './AttributeForm';

/** One indicator found, as the analyst settles it before saving. */
interface Row {
  value: string;
  original: string;
  types: string[];
  type: string;
  category: string;
  toIds: boolean;
  comment: string;
  /** The enabled warninglists holding the value. */
  lists: string[];
  keep: boolean;
}

/** The categories a type may be filed under (MISP's mapping), the type's default first. */
function categoriesOf(d: DescribeTypes | undefined, type: string): string[] {
  if (!d) return [];
  const all = Object.entries(d.result.category_type_mappings).filter(([, types]) => types.includes(type)).map(([c]) => c);
  const first = d.result.sane_defaults[type]?.default_category;
  return first ? [first, ...all.filter((c) => c !== first)] : all;
}

/**
 * MISP's free-text import on an event: a pasted text is read by the server (nothing is saved), the
 * indicators found are shown with their types, categories and warninglist hits to settle, and only the
 * rows confirmed are added to the event.
 */
export function FreeTextImport({ eventId, onDone }: { eventId: string; onDone: (message: string) => void }) {
  const [text, setText] = useState('');
  const [rows, setRows] = useState<Row[] | undefined>(undefined);
  const [types, setTypes] = useState<DescribeTypes | undefined>(undefined);
  const [skipListed, setSkipListed] = useState(true);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const fail = (err: unknown) => setError(err instanceof ApiFailure || err instanceof Error ? err.message : String(err));

  const read = async () => {
    setError('');
    setBusy(true);
    try {
      const [found, described] = await Promise.all([
        api<FreeTextFound>('POST', `/events/freeTextImport/${eventId}`, { value: text, returnMetaAttributes: true }),
        loadDescribeTypes(),
      ]);
      const listed = found.length ? await api<Record<string, Array<{ name: string }>>>('POST', '/warninglists/checkValue', found.map((h) => h.value)) : {};
      setTypes(described);
      setRows(found.map((h) => {
        const lists = (listed[h.value] ?? []).map((l) => l.name);
        return {
          value: h.value, original: h.original_value, types: Object.keys(h.types), type: h.default_type,
          category: categoriesOf(described, h.default_type)[0] ?? 'Other', toIds: h.to_ids, comment: h.comment ?? '', lists, keep: true,
        };
      }));
    } catch (err) {
      fail(err);
    } finally {
      setBusy(false);
    }
  };

  const change = (n: number, part: Partial<Row>) => setRows((all) => all?.map((r, i) => (i === n ? { ...r, ...part } : r)));
  const chosen = (rows ?? []).filter((r) => r.keep && !(skipListed && r.lists.length));

  const save = async () => {
    setError('');
    setBusy(true);
    try {
      const answer = await api<AttributeSaved>('POST', `/attributes/add/${eventId}`, chosen.map((r) => ({
        value: r.value, type: r.type, category: r.category, to_ids: r.toIds, ...(r.comment ? { comment: r.comment } : {}),
      })));
      const saved = Array.isArray(answer.Attribute) ? answer.Attribute.length : 1;
      const left = answer.errors ? Object.entries(answer.errors).map(([k, v]) => `${chosen[Number(k.replace('attribute_', ''))]?.value ?? k}: ${(typeof v === 'string' ? [v] : Object.values(v).flat()).join(', ')}`) : [];
      setRows(undefined);
      setText('');
      onDone(`Added ${saved} attribute${saved === 1 ? '' : 's'} from the text.${left.length ? ` Left out: ${left.join('; ')}` : ''}`);
    } catch (err) {
      if (err instanceof ApiFailure && err.body && typeof err.body === 'object' && 'errors' in err.body) {
        setError(`Nothing was added: ${JSON.stringify((err.body as { errors: unknown }).errors)}`);
      } else fail(err);
    } finally {
      setBusy(false);
    }
  };

  const listed = (rows ?? []).filter((r) => r.lists.length).length;
  return (
    <div className="attribute-form free-text" role="form" aria-label="Free-text import">
      <label className="grow">Text with indicators (a report, a list; defanged values are read too)
        <textarea name="freetext" rows={6} value={text} onChange={(e) => setText(e.target.value)} placeholder="Paste a report: hxxp://evil[.]example/x, 198.51.100[.]7, d41d8cd98f00b204e9800998ecf8427e…" />
      </label>
      <div className="actions-row">
        <button type="button" disabled={busy || !text.trim()} onClick={() => void read()}>{busy && !rows ? 'Reading…' : 'Find indicators'}</button>
      </div>
      {rows ? (
        rows.length === 0 ? <p className="muted grow">No indicator found in the text.</p> : (
          <div className="grow free-text-preview">
            <div className="section-head">
              <h3>{rows.length} indicator{rows.length === 1 ? '' : 's'} found{listed ? `, ${listed} on a warninglist` : ''}</h3>
              <label className="check"><input type="checkbox" checked={skipListed} onChange={(e) => setSkipListed(e.target.checked)} /> leave out values on warninglists</label>
            </div>
            <table className="table compact">
              <thead><tr><th>Add</th><th>Value</th><th>Type</th><th>Category</th><th>IDS</th><th>Comment</th><th>Warninglists</th></tr></thead>
              <tbody>
                {rows.map((r, n) => {
                  const out = skipListed && r.lists.length > 0;
                  return (
                    <tr key={`${r.value}${n}`} className={out ? 'left-out-row' : ''} data-value={r.value}>
                      <td><input type="checkbox" aria-label={`Add ${r.value}`} checked={r.keep && !out} disabled={out} onChange={(e) => change(n, { keep: e.target.checked })} /></td>
                      <td className="value">{r.value}{r.original !== r.value ? <div className="muted small">{r.original}</div> : null}</td>
                      <td>
                        <select aria-label={`Type of ${r.value}`} value={r.type} onChange={(e) => change(n, {
                          type: e.target.value, category: categoriesOf(types, e.target.value)[0] ?? r.category, toIds: types?.result.sane_defaults[e.target.value]?.to_ids === 1,
                        })}>
                          {r.types.map((t) => <option key={t} value={t}>{t}</option>)}
                        </select>
                      </td>
                      <td>
                        <select aria-label={`Category of ${r.value}`} value={r.category} onChange={(e) => change(n, { category: e.target.value })}>
                          {categoriesOf(types, r.type).map((c) => <option key={c} value={c}>{c}</option>)}
                        </select>
                      </td>
                      <td><input type="checkbox" aria-label={`${r.value} for detection`} checked={r.toIds} onChange={(e) => change(n, { toIds: e.target.checked })} /></td>
                      <td><input aria-label={`Comment on ${r.value}`} value={r.comment} onChange={(e) => change(n, { comment: e.target.value })} /></td>
                      <td>{r.lists.length ? <span className="badge warn" title={r.lists.join(', ')}>{r.lists.join(', ')}</span> : null}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            <div className="actions-row">
              <button type="button" className="secondary" onClick={() => setRows(undefined)}>Cancel</button>
              <button type="button" disabled={busy || chosen.length === 0} onClick={() => void save()}>Add {chosen.length} attribute{chosen.length === 1 ? '' : 's'}</button>
            </div>
          </div>
        )
      ) : null}
      {error ? <p className="error grow" role="alert">{error}</p> : null}
    </div>
  );
}
