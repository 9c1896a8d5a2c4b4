const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Parses a date or date-time and writes it the way MISP stores datetime attributes:
 * `YYYY-MM-DDTHH:MM:SS.ffffff+0000`, always in UTC (a missing zone means UTC, as MISP reads values in
 * GMT). Besides ISO 8601 it reads the absolute formats PHP's DateTime reads, since MISP accepts and
 * normalises whatever PHP parses (`2017/11/13`, `9 Jun 2018`, `Sat, 09 Jun 2018 10:00:00 +0000`,
 * `11/13/2017`, `13.11.2017`, `@1510531200`); relative words (`yesterday`) are refused.
 */
export function normaliseDatetime(text: string): string | undefined {
  const t = text.trim();
  const m = ISO_8601.exec(t);
  if (!m) return phpDatetime(t);
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  return utcDatetime({ y: y!, mo: mo!, d: d!, h, mi, s, frac, zone });
}

interface DateParts { y: string; mo: string; d: string; h?: string | undefined; mi?: string | undefined; s?: string | undefined; frac?: string | undefined; zone?: string | undefined }

function utcDatetime({ y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z' }: DateParts): string | undefined {
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) {
    return undefined;
  }
  let offsetMinutes = 0;
  if (!['Z', 'UTC', 'GMT', 'UT'].includes(zone.toUpperCase())) {
    const digits = zone.slice(1).replace(':', '');
    offsetMinutes = (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0')) * (zone[0] === '-' ? -1 : 1);
  }
  const micros = (frac + '000000').slice(0, 6);
  const ms = Date.UTC(Number(y), month - 1, day, Number(h), Number(mi), Number(s)) - offsetMinutes * 60_000;
  const date = new Date(ms);
  if (Number.isNaN(ms) || (offsetMinutes === 0 && date.getUTCDate() !== day)) return undefined;
  return `${date.toISOString().slice(0, 19)}.${micros}+0000`;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTH = '(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\.?';
/** An optional time of day with an optional zone, after a date: `10:00`, `T10:00:05.5`, `10:00 +0200`, `10:00 GMT`, `10pm`. */
const TIME = '(?:[T\\s,]+(\\d{1,2})(?::(\\d{2})(?::(\\d{2})(?:[.,](\\d{1,9}))?)?)?\\s*(am|pm)?)?\\s*(Z|UTC|GMT|UT|[+-]\\d{2}(?::?\\d{2})?)?';
const WEEKDAY = '(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\\.?,?\\s+)?';

/** PHP's absolute date forms; each gives the positions of year, month and day among its groups. */
const PHP_FORMS: ReadonlyArray<{ re: RegExp; y: number; m: number; d: number }> = [
  // 2017/11/13 (Y/m/d)
  { re: new RegExp(`^(\\d{4})/(\\d{1,2})/(\\d{1,2})${TIME}$`, 'i'), y: 1, m: 2, d: 3 },
  // 11/13/2017 (American m/d/Y)
  { re: new RegExp(`^(\\d{1,2})/(\\d{1,2})/(\\d{4})${TIME}$`, 'i'), y: 3, m: 1, d: 2 },
  // 13.11.2017 and 13-11-2017 (d.m.Y, d-m-Y)
  { re: new RegExp(`^(\\d{1,2})[.-](\\d{1,2})[.-](\\d{4})${TIME}$`, 'i'), y: 3, m: 2, d: 1 },
  // 9 Jun 2018, Sat, 09 Jun 2018 10:00:00 +0000, 9-Jun-2018
  { re: new RegExp(`^${WEEKDAY}(\\d{1,2})(?:st|nd|rd|th)?[\\s-]+${MONTH}[\\s-]+(\\d{4})${TIME}$`, 'i'), y: 3, m: 2, d: 1 },
  // Jun 9 2018, June 9th, 2018
  { re: new RegExp(`^${WEEKDAY}${MONTH}\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(\\d{4})${TIME}$`, 'i'), y: 3, m: 1, d: 2 },
  // 2018-Jun-09, 2018 Jun 9
  { re: new RegExp(`^(\\d{4})[\\s-]+${MONTH}[\\s-]+(\\d{1,2})${TIME}$`, 'i'), y: 1, m: 2, d: 3 },
];

/** A date in one of PHP's absolute forms, or a Unix time as `@seconds`, normalised as MISP stores it. */
function phpDatetime(t: string): string | undefined {
  const unix = /^@(-?\d+)$/.exec(t);
  if (unix) {
    const ms = Number(unix[1]) * 1000;
    return Number.isSafeInteger(ms) && Math.abs(ms) <= 8.64e15 ? `${new Date(ms).toISOString().slice(0, 19)}.000000+0000` : undefined;
  }
  for (const form of PHP_FORMS) {
    const m = form.re.exec(t);
    if (!m) continue;
    const [hour, mi, s, frac, meridiem, zone] = m.slice(4);
    const mo = /^\d+$/.test(m[form.m]!) ? m[form.m]! : String(MONTHS.indexOf(m[form.m]!.slice(0, 3).toLowerCase()) + 1);
    let h = hour;
    if (h !== undefined && meridiem) {
      const n = Number(h);
      if (n < 1 || n > 12) return undefined;
      h = String((n % 12) + (meridiem.toLowerCase() === 'pm' ? 12 : 0));
    } else if (meridiem) return undefined;
    // A bare number after a date is no time of day to PHP unless it has minutes or a meridiem.
    if (h !== undefined && mi === undefined && !meridiem) return undefined;
    return utcDatetime({ y: m[form.y]!, mo: mo.padStart(2, '0'), d: m[form.d]!.padStart(2, '0'), h: h?.padStart(2, '0'), mi, s, frac, zone });
  }
  return undefined;
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
