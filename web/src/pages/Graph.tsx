import { useState } from 'react';
import { api } from '../api';
import { navigate } from '../router';
import { useLoad } from '../useLoad';
import type { CorrelationGraph } from '@cairn/answers';

interface Point {
  x: number;
  y: number;
}

const W = 1100;
const H = 820;
const C: Point = { x: W / 2, y: H / 2 };
const RINGS = [0, 230, 380, 390];
const short = (text: string, n = 26) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);
const along = (a: Point, b: Point, t: number): Point => ({ x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t });

/** Places events on rings by their distance from the centre; an outer event near the inner one that found it. */
function layout(g: CorrelationGraph): Map<string, Point> {
  const at = new Map<string, Point>([[g.event, C]]);
  const angle = new Map<string, number>([[g.event, 0]]);
  for (let depth = 1; depth <= 3; depth++) {
    const ring = g.nodes.filter((n) => n.depth === depth);
    const parentAngle = (uuid: string) => {
      const e = g.edges.find((x) => (x.to === uuid && angle.has(x.from)) || (x.from === uuid && angle.has(x.to)));
      return e ? angle.get(e.to === uuid ? e.from : e.to)! : 0;
    };
    ring.sort((a, b) => parentAngle(a.event) - parentAngle(b.event));
    ring.forEach((n, i) => {
      const a = (2 * Math.PI * i) / Math.max(1, ring.length) - Math.PI / 2 + (depth - 1) * 0.15;
      angle.set(n.event, a);
      at.set(n.event, { x: C.x + RINGS[depth]! * Math.cos(a), y: C.y + RINGS[depth]! * 0.92 * Math.sin(a) });
    });
  }
  return at;
}

/**
 * The correlation graph around an event: events as circles (the centre larger), the values it shares with
 * its neighbours as small diamonds on the links, farther links labelled with how many values they share,
 * and the centre's over-correlating values in red. A click on an event opens it.
 */
export function Graph({ id }: { id: string }) {
  const [depth, setDepth] = useState(2);
  const { data, error } = useLoad(() => api<CorrelationGraph>('GET', `/cairn/events/${encodeURIComponent(id)}/graph?depth=${depth}&max=40`), `${id}/${depth}`);
  if (error) return <p className="error">{error}</p>;
  if (!data) return <div className="loading">Loading…</div>;
  const at = layout(data);
  const root = data.nodes.find((n) => n.event === data.event)!;
  return (
    <div>
      <div className="section-head">
        <div>
          <h1>Correlation graph</h1>
          <div className="muted"><a href={`#/events/${data.event}`}>{root.info}</a> · {data.nodes.length - 1} related events{data.truncated ? ' (limited to the 40 nearest)' : ''}</div>
        </div>
        <label className="check">Depth
          <select value={depth} onChange={(e) => setDepth(Number(e.target.value))}>{[1, 2, 3].map((d) => <option key={d} value={d}>{d}</option>)}</select>
        </label>
      </div>
      <section className="card graph">
        {data.nodes.length === 1 && data.overCorrelating.length === 0 ? <p className="muted">No other event you may see shares a value with this one.</p> : null}
        <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label="Correlation graph">
          {data.edges.map((e) => {
            const a = at.get(e.from);
            const b = at.get(e.to);
            if (!a || !b) return null;
            const central = e.from === data.event || e.to === data.event;
            const shown = central ? e.values.slice(0, 3) : [];
            return (
              <g key={`${e.from}-${e.to}`} className={central ? 'edge central' : 'edge'}>
                <line x1={a.x} y1={a.y} x2={b.x} y2={b.y} />
                {shown.map((v, i) => {
                  const p = along(a, b, 0.3 + (i * 0.4) / Math.max(1, shown.length));
                  return (
                    <g key={v} className="value-node" transform={`translate(${p.x} ${p.y})`}>
                      <title>{v}</title>
                      <rect x="-5" y="-5" width="10" height="10" transform="rotate(45)" />
                      <text x="9" y="4">{short(v, 22)}</text>
                    </g>
                  );
                })}
                {e.shared > shown.length ? (() => {
                  const p = along(a, b, central ? 0.7 : 0.5);
                  return <text className="edge-label" x={p.x} y={p.y - 4}>{central ? `+${e.shared - shown.length}` : `${e.shared} shared`}</text>;
                })() : null}
              </g>
            );
          })}
          {data.overCorrelating.slice(0, 8).map((o, i, all) => {
            const a = (2 * Math.PI * i) / all.length;
            const p = { x: C.x + 110 * Math.cos(a + 0.4), y: C.y + 95 * Math.sin(a + 0.4) };
            return (
              <g key={o.value} className="over-node">
                <line x1={C.x} y1={C.y} x2={p.x} y2={p.y} />
                <g transform={`translate(${p.x} ${p.y})`}>
                  <title>{`${o.value}: held by ${o.events} other events, not followed`}</title>
                  <rect x="-5" y="-5" width="10" height="10" transform="rotate(45)" />
                  <text x="9" y="4">{short(o.value, 20)} ({o.events})</text>
                </g>
              </g>
            );
          })}
          {data.nodes.map((n) => {
            const p = at.get(n.event)!;
            const centre = n.event === data.event;
            return (
              <g key={n.event} className={`event-node depth-${n.depth}`} transform={`translate(${p.x} ${p.y})`} role="link" tabIndex={0}
                onClick={() => navigate(`/events/${n.event}`)} onKeyDown={(e) => e.key === 'Enter' && navigate(`/events/${n.event}`)}>
                <title>{`${n.date} ${n.info}`}</title>
                <circle r={centre ? 16 : 10} />
                <text y={centre ? 32 : 24} textAnchor="middle">{short(n.info, centre ? 40 : 26)}</text>
              </g>
            );
          })}
        </svg>
        <p className="muted small">Circles are events (click to open), diamonds the values they share with the centre; red diamonds are values held by too many events to follow.</p>
      </section>
    </div>
  );
}
