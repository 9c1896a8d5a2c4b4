import type { User } from '../user.js';
import { isSiteAdmin } from './permissions.js';

/** Instance settings change what every user may do and see: site admins only read and change them. */
export function mayManageSettings(user: User): boolean {
  return isSiteAdmin(user);
}
