/**
 * What went wrong in a use case, in the domain's words: the API maps each kind to MISP's status and
 * shape in one place (api/errors.ts), the CLI to a message. Services never speak HTTP.
 */
export type FailureKind =
  /** A query or a parameter is malformed. */
  | 'invalid'
  /** Something sent could not be saved as it is (MISP answers these 403 with the fields at fault). */
  | 'rejected'
  /** The caller may not do this. */
  | 'forbidden'
  /** No caller may do this to that target here (MISP's 405: a protected event, for a sync user). */
  | 'not-allowed'
  /** Nothing the caller may see answers to that. */
  | 'not-found';

export class ServiceError extends Error {
  constructor(readonly kind: FailureKind, message: string, readonly details: Record<string, unknown> = {}) {
    super(message);
  }
}
