import type { User } from './user.js';

/**
 * Who is asking. Every read of events or attributes takes a Viewer, and the store turns it into SQL
 * predicates (src/store/visibility.ts): there is no read path without one.
 */
export type Viewer =
  /** The operator on the command line: the instance's own tools see everything. */
  | { readonly kind: 'operator' }
  | {
    readonly kind: 'user'; readonly orgId: number; readonly siteAdmin: boolean;
    /** The user himself, when one asks (not a remote instance or a job): his reads follow his own writes (src/store/replicas). */
    readonly userId?: number;
  };

export const OPERATOR: Viewer = Object.freeze({ kind: 'operator' });

export function seesEverything(viewer: Viewer): boolean {
  return viewer.kind === 'operator' || viewer.siteAdmin;
}

/** The viewer a user is: his organisation, and whether he is a site admin (who sees everything). */
export function viewerOf(user: User): Viewer {
  return { kind: 'user', orgId: user.org.id, siteAdmin: user.role.permissions.includes('perm_site_admin'), userId: user.id };
}
