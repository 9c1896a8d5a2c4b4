import { ApiError } from './errors.js';

export type Fields = Record<string, unknown>;

/**
 * The object a request body carries: MISP clients send `{"<Model>": {…}}` or the object bare. A body
 * that is no object is refused in MISP's validation shape, naming the model.
 */
export function modelBody(body: unknown, model: string, failure = `The ${model} could not be saved.`): Fields {
  const b = body as Fields | undefined;
  const raw = b && typeof b[model] === 'object' && b[model] !== null ? b[model] : b;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new ApiError(403, failure, { errors: { [model]: [`the body must be a ${model} object`] } });
  return raw as Fields;
}

/** A text field, trimmed; undefined when absent. Numbers are taken as their text. */
export function textField(fields: Fields, name: string): string | undefined {
  const v = fields[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number') return String(v);
  throw new ApiError(403, `${name} must be text`, { errors: { [name]: ['must be text'] } });
}

/** A flag as MISP clients send them: true/false, 1/0, "1"/"0", "true"/"false". */
export function flagField(fields: Fields, name: string): boolean | undefined {
  const v = fields[name];
  if (v === undefined || v === null || v === '') return undefined;
  if (v === true || v === 1 || v === '1' || v === 'true') return true;
  if (v === false || v === 0 || v === '0' || v === 'false') return false;
  throw new ApiError(403, `${name} must be true or false`, { errors: { [name]: ['must be true or false (or 1 or 0)'] } });
}

/** A local numeric id as sent (`12` or `"12"`); undefined when absent. */
export function idField(fields: Fields, name: string): number | undefined {
  const v = fields[name];
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < 0) throw new ApiError(403, `${name} must be an id`, { errors: { [name]: ['must be a whole number'] } });
  return n;
}

/** A limit or page number: a whole number of 1 or more, or the fallback when absent; a 400 naming it otherwise. */
export function countField(value: unknown, name: string, fallback: number): number {
  if (value === undefined || value === null || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new ApiError(400, `${name} must be a whole number of 1 or more, not "${String(value)}"`);
  return n;
}

/** MISP's answer to a change that worked. */
export function saved(message: string, url: string, id?: number | string) {
  return { saved: true, success: true, name: message, message, url, ...(id === undefined ? {} : { id: String(id) }) };
}

/** MISP writes created/modified of organisations and sharing groups as `YYYY-MM-DD HH:MM:SS` (UTC). */
export function sqlDatetime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');
}
