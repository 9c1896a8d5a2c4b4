import type { User } from '../user.js';
import { isSiteAdmin } from './permissions.js';

/** The schema and route-table diagnostics describe the instance itself: site admins only, as in MISP. */
export function mayRunDiagnostics(user: User): boolean {
  return isSiteAdmin(user);
}
