/** A horizontal bar chart in SVG: a label and a bar per item, the largest filling the width. */
export function BarChart({ items, label }: { items: Array<{ label: string; value: number }>; label: string }) {
  const max = Math.max(1, ...items.map((i) => i.value));
  const row = 22;
  return (
    <svg className="chart" role="img" aria-label={label} viewBox={`0 0 400 ${Math.max(row, items.length * row)}`} width="100%">
      {items.map((item, n) => (
        <g key={item.label} transform={`translate(0 ${n * row})`}>
          <text x="0" y="15" className="chart-label">{item.label}</text>
          <rect x="130" y="4" height="14" rx="2" width={Math.max(1, (item.value / max) * 220)} className="chart-bar" />
          <text x={136 + (item.value / max) * 220} y="15" className="chart-value">{item.value.toLocaleString()}</text>
        </g>
      ))}
    </svg>
  );
}

/** A column chart in SVG: one column per item, labels underneath. */
export function ColumnChart({ items, label }: { items: Array<{ label: string; value: number }>; label: string }) {
  const max = Math.max(1, ...items.map((i) => i.value));
  const width = Math.max(1, items.length) * 34;
  return (
    <svg className="chart" role="img" aria-label={label} viewBox={`0 0 ${width} 160`} width="100%" preserveAspectRatio="xMinYMid meet">
      {items.map((item, n) => {
        const h = (item.value / max) * 110;
        return (
          <g key={item.label} transform={`translate(${n * 34} 0)`}>
            <rect x="6" y={125 - h} width="22" height={Math.max(1, h)} rx="2" className="chart-bar" />
            <text x="17" y={120 - h} className="chart-value" textAnchor="middle">{item.value}</text>
            <text x="17" y="140" className="chart-label" textAnchor="middle">{item.label.slice(5)}</text>
            <text x="17" y="153" className="chart-label" textAnchor="middle">{item.label.slice(2, 4)}</text>
          </g>
        );
      })}
    </svg>
  );
}
