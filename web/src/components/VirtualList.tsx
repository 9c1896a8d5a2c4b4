import { useState, type ReactNode } from 'react';

/**
 * A list that draws only the rows in view (plus a margin): an event of ten thousand attributes opens as
 * fast as one of ten. Rows have a fixed height.
 */
export function VirtualList<T>({ items, rowHeight, height, render, className }: {
  items: readonly T[]; rowHeight: number; height: number; render: (item: T, index: number) => ReactNode; className?: string;
}) {
  const [top, setTop] = useState(0);
  const total = items.length * rowHeight;
  const shown = Math.min(height, total);
  const first = Math.max(0, Math.floor(top / rowHeight) - 10);
  const last = Math.min(items.length, Math.ceil((top + shown) / rowHeight) + 10);
  return (
    <div className={`virtual ${className ?? ''}`} style={{ height: shown }} onScroll={(e) => setTop(e.currentTarget.scrollTop)}>
      <div style={{ height: total, position: 'relative' }}>
        {items.slice(first, last).map((item, n) => (
          <div key={first + n} className="virtual-row" style={{ position: 'absolute', top: (first + n) * rowHeight, height: rowHeight, left: 0, right: 0 }}>
            {render(item, first + n)}
          </div>
        ))}
      </div>
    </div>
  );
}
