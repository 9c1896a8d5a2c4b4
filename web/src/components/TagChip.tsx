import type { Tag } from '@cairn/answers';

/** Black or white text, whichever reads better on the tag's colour. */
function textOn(colour: string): string {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(colour);
  if (!m) return '#fff';
  const [r, g, b] = [m[1]!, m[2]!, m[3]!].map((h) => parseInt(h, 16));
  return 0.299 * r! + 0.587 * g! + 0.114 * b! > 150 ? '#111' : '#fff';
}

const SAFE_COLOUR = /^#[0-9a-f]{6}$/i;

/** A tag as a coloured chip; its name is text, and only a #rrggbb colour is ever applied. */
export function TagChip({ tag, onRemove }: { tag: Pick<Tag, 'name'> & Partial<Pick<Tag, 'colour' | 'local'>>; onRemove?: () => void }) {
  const colour = tag.colour && SAFE_COLOUR.test(tag.colour) ? tag.colour : '#5b6b7d';
  return (
    <span className="tag" style={{ background: colour, color: textOn(colour) }} title={tag.local ? `${tag.name} (local)` : tag.name}>
      {tag.name}
      {onRemove ? <button type="button" className="tag-remove" aria-label={`Remove ${tag.name}`} onClick={onRemove}>×</button> : null}
    </span>
  );
}
