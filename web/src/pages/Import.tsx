import { useState } from 'react';
import { api, ApiFailure } from '../api';
import type { ImportPlan, ImportStatus } from '@cairn/answers';

const WILL: Record<ImportStatus, string> = { created: 'new event', updated: 'update', unchanged: 'unchanged', refused: 'refused' };
const DID: Record<ImportStatus, string> = { created: 'created', updated: 'updated', unchanged: 'unchanged', refused: 'refused' };

/** What a document holds, event by event, and what would be (or was) left out. */
function PlanTable({ plan, done }: { plan: ImportPlan; done: boolean }) {
  return (
    <>
      <table className="table import-plan">
        <thead><tr><th>Event</th><th>Attributes</th><th>Objects</th><th>{done ? 'Result' : 'Will be'}</th><th>Left out, and why</th></tr></thead>
        <tbody>
          {plan.events.map((e) => (
            <tr key={e.uuid}>
              <td>{done && e.eventId ? <a href={`#/events/${e.eventId}`}>{e.info}</a> : e.info}<div className="muted small">{e.uuid}</div></td>
              <td>{e.attributes}</td>
              <td>{e.objects}</td>
              <td><span className={`status ${e.status}`}>{(done ? DID : WILL)[e.status]}</span>{e.reason ? <div className="error small">{e.reason}</div> : null}</td>
              <td>{e.problems.length ? <ul className="problems">{e.problems.map((p) => <li key={p}>{p}</li>)}</ul> : <span className="muted">nothing</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {plan.left.length ? (
        <div className="left-out">
          <h3>Not imported ({plan.left.length})</h3>
          <ul className="problems">{plan.left.map((l) => <li key={l}>{l}</li>)}</ul>
        </div>
      ) : null}
    </>
  );
}

export function Import() {
  const [name, setName] = useState('');
  const [doc, setDoc] = useState<unknown>(undefined);
  const [plan, setPlan] = useState<ImportPlan | undefined>(undefined);
  const [result, setResult] = useState<ImportPlan | undefined>(undefined);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const fail = (err: unknown) => setError(err instanceof ApiFailure ? err.message : String(err));

  const choose = async (file: File | undefined) => {
    setPlan(undefined);
    setResult(undefined);
    setError('');
    if (!file) return;
    setName(file.name);
    let parsed: unknown;
    try {
      parsed = JSON.parse(await file.text());
    } catch (err) {
      setError(`${file.name} is not JSON: ${(err as Error).message}`);
      return;
    }
    setDoc(parsed);
    setBusy(true);
    try {
      setPlan(await api<ImportPlan>('POST', '/cairn/import/preview', parsed));
    } catch (err) {
      fail(err);
    } finally {
      setBusy(false);
    }
  };
  const confirm = async () => {
    setBusy(true);
    try {
      setResult(await api<ImportPlan>('POST', '/cairn/import', doc));
      setPlan(undefined);
    } catch (err) {
      fail(err);
    } finally {
      setBusy(false);
    }
  };
  const storable = plan?.events.filter((e) => e.status === 'created' || e.status === 'updated').length ?? 0;
  return (
    <div>
      <h1>Import</h1>
      <section className="card">
        <p className="muted">A MISP event or feed file (<code>{'{"Event": …}'}</code>, a list of events, or <code>{'{"response": […]}'}</code>) or a STIX 2.1 bundle. Nothing is stored until you confirm.</p>
        <label className="file">File<input type="file" accept=".json,application/json" onChange={(e) => void choose(e.target.files?.[0])} /></label>
        {busy ? <p className="muted">Reading…</p> : null}
        {error ? <p className="error" role="alert">{error}</p> : null}
      </section>
      {plan ? (
        <section className="card">
          <div className="section-head">
            <h2>{name}: {plan.events.length} event{plan.events.length === 1 ? '' : 's'} ({plan.format === 'stix2' ? 'STIX 2.1' : 'MISP'})</h2>
            <div className="actions-row">
              <button type="button" className="secondary" onClick={() => { setPlan(undefined); setDoc(undefined); }}>Cancel</button>
              <button type="button" disabled={busy || storable === 0} onClick={confirm}>Import {storable} event{storable === 1 ? '' : 's'}</button>
            </div>
          </div>
          <PlanTable plan={plan} done={false} />
        </section>
      ) : null}
      {result ? (
        <section className="card">
          <h2>Imported</h2>
          <p role="status" className="notice">{result.events.filter((e) => e.status === 'created').length} created, {result.events.filter((e) => e.status === 'updated').length} updated, {result.events.filter((e) => e.status === 'refused').length} refused.</p>
          <PlanTable plan={result} done />
        </section>
      ) : null}
    </div>
  );
}
