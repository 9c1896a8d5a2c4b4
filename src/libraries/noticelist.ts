/** MISP noticelists (the misp-noticelist `lists/<name>/list.json` format): notices shown for data that needs care, such as personal data. */

export interface Noticelist {
  name: string;
  expandedName: string;
  ref: string[];
  geographicalArea: string[];
  version: number;
  /** Each notice as published: scope, field, value, tags, message. */
  notices: Record<string, unknown>[];
}

const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

export function parseNoticelist(raw: unknown, where = 'noticelist'): Noticelist {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${where}: not a JSON object`);
  const n = raw as Record<string, unknown>;
  if (typeof n.name !== 'string' || n.name === '') throw new Error(`${where}: no name`);
  if (!Array.isArray(n.notice)) throw new Error(`${where}: no notice list`);
  return {
    name: n.name,
    expandedName: typeof n.expanded_name === 'string' ? n.expanded_name : n.name,
    ref: strings(n.ref),
    geographicalArea: strings(n.geographical_area),
    version: Number(n.version ?? 0) || 0,
    notices: n.notice.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null),
  };
}
