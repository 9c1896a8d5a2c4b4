import { api } from '../api';
import { BarChart, ColumnChart } from '../components/BarChart';
import { TagChip } from '../components/TagChip';
import type { Dashboard as DashboardData } from '@cairn/answers';
import { useLoad } from '../useLoad';

function Figure({ label, value }: { label: string; value: number }) {
  return <div className="card figure"><div className="figure-value">{value.toLocaleString()}</div><div className="figure-label">{label}</div></div>;
}

export function Dashboard() {
  const { data, error } = useLoad(() => api<DashboardData>('GET', '/cairn/dashboard'), 'dashboard');
  if (error) return <p className="error">{error}</p>;
  if (!data) return <div className="loading">Loading…</div>;
  const types = Object.entries(data.attributesByType).slice(0, 10).map(([label, value]) => ({ label, value }));
  return (
    <div className="dashboard">
      <h1>Dashboard</h1>
      <div className="figures">
        <Figure label="Events" value={data.events} />
        <Figure label="Attributes" value={data.attributes} />
        <Figure label="Objects" value={data.objects} />
        <Figure label="Correlating values" value={data.correlations} />
      </div>
      <div className="grid-2">
        <section className="card">
          <h2>Latest events</h2>
          {data.latest.length === 0 ? <p className="muted">No events yet.</p> : (
            <table className="table">
              <tbody>
                {data.latest.map((e) => (
                  <tr key={e.uuid}>
                    <td className="nowrap">{e.date}</td>
                    <td><a href={`#/events/${e.id}`}>{e.info}</a><div className="muted small">{e.org} · {e.attributes} attributes{e.published ? '' : ' · draft'}</div></td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <section className="card">
          <h2>Most used tags</h2>
          <div className="tag-cloud">
            {data.topTags.map((t) => <span key={t.name} className="tag-count"><TagChip tag={{ name: t.name }} /> <span className="muted">{t.events}</span></span>)}
          </div>
        </section>
        <section className="card">
          <h2>Attributes by type</h2>
          <BarChart items={types} label="Attributes by type" />
        </section>
        <section className="card">
          <h2>Events over time</h2>
          <ColumnChart items={data.eventsByMonth.map((m) => ({ label: m.month, value: m.events }))} label="Events by month" />
        </section>
      </div>
    </div>
  );
}
