import { useState, type FormEvent } from 'react';
import { api, ApiFailure } from '../api';
import type { Event } from '@cairn/answers';
import { ANALYSIS, DISTRIBUTIONS, THREAT_LEVELS } from '../types';

type Fields = { info: string; date: string; threat_level_id: string; analysis: string; distribution: string };

/** An event's own fields: for a new event (no `event`), or to change one. */
export function EventForm({ event, submit, label }: { event?: Event; submit: (fields: Fields) => Promise<void>; label: string }) {
  const [fields, setFields] = useState<Fields>({
    info: event?.info ?? '', date: event?.date ?? new Date().toISOString().slice(0, 10), threat_level_id: event?.threat_level_id ?? '2',
    analysis: event?.analysis ?? '0', distribution: event?.distribution ?? '0',
  });
  const [error, setError] = useState('');
  const set = (k: keyof Fields) => (e: { target: { value: string } }) => setFields({ ...fields, [k]: e.target.value });
  const send = async (e: FormEvent) => {
    e.preventDefault();
    setError('');
    try {
      await submit(fields);
    } catch (err) {
      setError(err instanceof ApiFailure ? err.message : String(err));
    }
  };
  const choose = (k: 'threat_level_id' | 'analysis' | 'distribution', text: string, options: Record<string, string>) => (
    <label>{text}
      <select name={k} value={fields[k]} onChange={set(k)}>
        {Object.entries(options).filter(([v]) => k !== 'distribution' || Number(v) <= 3).map(([v, l]) => <option key={v} value={v}>{l}</option>)}
      </select>
    </label>
  );
  return (
    <form className="form" onSubmit={send}>
      <label>Title<input name="info" required value={fields.info} onChange={set('info')} placeholder="What happened" /></label>
      <label>Date<input name="date" type="date" required value={fields.date} onChange={set('date')} /></label>
      {choose('threat_level_id', 'Threat level', THREAT_LEVELS)}
      {choose('analysis', 'Analysis', ANALYSIS)}
      {choose('distribution', 'Distribution', DISTRIBUTIONS)}
      {error ? <p className="error" role="alert">{error}</p> : null}
      <button type="submit">{label}</button>
    </form>
  );
}

/** Changes an event's own fields through events/edit. */
export const saveEvent = (id: string) => (fields: Fields) => api('POST', `/events/edit/${id}`, { Event: fields }).then(() => undefined);
