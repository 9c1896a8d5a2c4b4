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
