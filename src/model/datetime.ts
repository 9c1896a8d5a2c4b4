const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Parses an ISO 8601 date or date-time (a missing zone means UTC) and writes it the way MISP stores
 * datetime attributes: `YYYY-MM-DDTHH:MM:SS.ffffff+0000`, always in UTC.
 */
export function normaliseDatetime(text: string): string | undefined {
  const m = ISO_8601.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) {
    return undefined;
  }
  let offsetMinutes = 0;
  if (zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    offsetMinutes = (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0')) * (zone[0] === '-' ? -1 : 1);
  }
  const micros = (frac + '000000').slice(0, 6);
  const ms = Date.UTC(Number(y), month - 1, day, Number(h), Number(mi), Number(s)) - offsetMinutes * 60_000;
  const date = new Date(ms);
  if (Number.isNaN(ms) || (offsetMinutes === 0 && date.getUTCDate() !== day)) return undefined;
  return `${date.toISOString().slice(0, 19)}.${micros}+0000`;
}

/** `YYYY-MM-DDTHH:MM:SS` of a stored datetime value, as the report prints it. */
export function datetimeToSeconds(stored: string): string {
  return stored.slice(0, 19);
}

/** Today's date in UTC as `YYYY-MM-DD`. */
export function todayUtc(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

export function isIsoDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(text);
}
