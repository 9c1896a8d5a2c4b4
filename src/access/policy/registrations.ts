import type { User } from '../user.js';
import { isSiteAdmin } from './permissions.js';

/** Who reads, accepts and discards the requests for accounts: site admins, as in MISP. */
export function mayHandleRegistrations(user: User): boolean {
  return isSiteAdmin(user);
}
