import type { User } from '../user.js';
import { can, isSiteAdmin } from './permissions.js';

/** The audit log: site admins read all of it, organisation admins with perm_audit their organisation's. */
export function mayReadAuditLog(user: User): boolean {
  return isSiteAdmin(user) || (can(user, 'perm_audit') && can(user, 'perm_admin'));
}

/** Whether the user reads every organisation's entries, not only his own's. */
export function readsWholeAuditLog(user: User): boolean {
  return isSiteAdmin(user);
}
