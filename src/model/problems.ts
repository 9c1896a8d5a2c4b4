/** Something in the input that was not stored as given, with enough detail for an analyst to find it. */
export interface ImportProblem {
  /** Uuid of the event it belongs to, when known. */
  event: string | null;
  /** Uuid of the attribute, object or reference it concerns, when it concerns one. */
  item: string | null;
  field: string;
  value?: string;
  reason: string;
}

export function describeProblem(p: ImportProblem): string {
  const where = [p.event ? `event ${p.event}` : null, p.item ? `item ${p.item}` : null].filter(Boolean).join(', ');
  const value = p.value === undefined ? '' : ` ${JSON.stringify(p.value.length > 120 ? `${p.value.slice(0, 117)}...` : p.value)}`;
  return `${where ? `${where}: ` : ''}${p.field}${value}: ${p.reason}`;
}
