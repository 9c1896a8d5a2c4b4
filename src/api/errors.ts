import { ServiceError, type FailureKind } from '../services/errors.js';

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

const STATUS: Record<FailureKind, number> = { invalid: 400, rejected: 403, forbidden: 403, 'not-found': 404 };

/** The client-facing failure an error is, if any: the one place a service's failure becomes an HTTP status. */
export function clientError(err: unknown): ApiError | undefined {
  if (err instanceof ApiError) return err;
  if (err instanceof ServiceError) return new ApiError(STATUS[err.kind], err.message, err.details);
  return undefined;
}
