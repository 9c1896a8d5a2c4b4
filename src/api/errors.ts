import type { ErrorObject } from 'ajv';
import { describeProblem, type ImportProblem } from '../model/problems.js';
import { ServiceError, type FailureKind } from '../services/errors.js';
import { fieldProblem } from './schemas/fields.js';

/**
 * A failure the client caused or may act on, answered in MISP's shape:
 * `{"name": …, "message": …, "url": …}` plus any details (`errors` for validation).
 */
export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly details: Record<string, unknown> = {}) {
    super(message);
  }
}

export const notFound = (what: string) => new ApiError(404, `Invalid ${what}`);

export function errorBody(message: string, url: string, details: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: message, message, url, ...details };
}

const STATUS: Record<FailureKind, number> = { invalid: 400, rejected: 403, forbidden: 403, 'not-allowed': 405, 'not-found': 404 };

/** The field a schema failure is about, and what is wrong with it. */
function schemaProblem(errors: readonly ErrorObject[]): { field: string; problem: string } {
  // A union's own failure names the field's kind; its branches' failures only say what each branch wanted.
  const e = errors.find((x) => x.keyword === 'anyOf') ?? errors[0]!;
  const path = e.instancePath.split('/').slice(1).join('.');
  if (e.keyword === 'required') {
    const missing = String((e.params as { missingProperty?: string }).missingProperty ?? '');
    return { field: path ? `${path}.${missing}` : missing, problem: 'is required' };
  }
  const kind = (e.parentSchema as { $comment?: string } | undefined)?.$comment;
  return { field: path || 'body', problem: fieldProblem(kind, e.message ?? 'is not valid') };
}

/**
 * The client-facing failure an error is, if any: the one place a service's failure or a body that
 * fails its schema becomes an HTTP status. A body that cannot be saved is answered as MISP answers it
 * (403, the route's failure words, `errors` by field); other bodies get a 400 naming the field.
 */
export function clientError(err: unknown, route: { failure?: string } = {}): ApiError | undefined {
  if (err instanceof ApiError) return err;
  if (err instanceof ServiceError) return new ApiError(STATUS[err.kind], err.message, err.details);
  const validation = (err as { validation?: ErrorObject[]; validationContext?: string }).validation;
  if (validation?.length) {
    const { field, problem } = schemaProblem(validation);
    const details = { errors: { [field]: [problem] } };
    return route.failure ? new ApiError(403, route.failure, details) : new ApiError(400, `The request body is not valid: ${field} ${problem}`, details);
  }
  return undefined;
}

/**
 * MISP drops silently what it does not store (an invalid attribute, a tag the user may not put on); Cairn
 * stores the rest too but says what it left out and why. A tag left out is a `warning`: MISP answers such
 * an add without `errors`, and PyMISP hands back a plain dict instead of the event whenever `errors` is there.
 */
export function withProblems<T extends object>(doc: T, problems: readonly ImportProblem[]): T | (T & { errors?: string[]; warnings?: string[] }) {
  const warnings = problems.filter((p) => p.field === 'Tag').map(describeProblem);
  const errors = problems.filter((p) => p.field !== 'Tag').map(describeProblem);
  return { ...doc, ...(errors.length > 0 ? { errors } : {}), ...(warnings.length > 0 ? { warnings } : {}) };
}
