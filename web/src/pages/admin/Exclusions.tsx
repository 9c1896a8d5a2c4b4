import { useState } from 'react';
import { api } from '../../api';
import { useLoad } from '../../useLoad';
import { useAction } from '../../useAction';
import type { CorrelationExclusionEntry } from '@cairn/answers';

export function Exclusions() {
  const list = useLoad(() => api<CorrelationExclusionEntry[]>('GET', '/correlation_exclusions/index'), 'exclusions');
  const { message, run } = useAction(list.reload);
  const [value, setValue] = useState('');
  const [comment, setComment] = useState('');
  return (
    <section className="card">
      <h2>Correlation exclusions</h2>
      <p className="muted">Values, or patterns with % wildcards, that never correlate. They apply at once to everything stored.</p>
      {message ? <p className="notice" role="status">{message}</p> : null}
      <table className="table">
        <thead><tr><th>Value</th><th>Comment</th><th /></tr></thead>
        <tbody>
          {(list.data ?? []).map(({ CorrelationExclusion: x }) => (
            <tr key={x.id}>
              <td className="value">{x.value}</td><td>{x.comment}</td>
              <td><button type="button" className="link danger" onClick={() => run(() => api('POST', `/correlation_exclusions/delete/${x.id}`), `${x.value} correlates again.`)}>delete</button></td>
            </tr>
          ))}
        </tbody>
      </table>
      <form className="inline-form" onSubmit={(e) => { e.preventDefault(); void run(() => api('POST', '/correlation_exclusions/add', { value, comment }), `${value} is excluded.`).then(() => { setValue(''); setComment(''); }); }}>
        <input aria-label="Value to exclude" placeholder="value or %pattern%" required value={value} onChange={(e) => setValue(e.target.value)} />
        <input aria-label="Why" placeholder="why" value={comment} onChange={(e) => setComment(e.target.value)} />
        <button type="submit">Exclude</button>
      </form>
    </section>
  );
}
