import type { User } from '../user.js';
import { can, isSiteAdmin } from './permissions.js';

/** What the policy needs to know of a decaying model. */
export interface DecayingModelFacts {
  orgId: number;
  /** Read from the misp-decaying-models library. */
  isDefault: boolean;
}

/** Making models (add, import) and linking types takes perm_decaying, or perm_admin as in MISP's ACL. */
export function mayMakeDecayingModels(user: User): boolean {
  return can(user, 'perm_decaying') || can(user, 'perm_admin');
}

/**
 * Changing a model (edit, enable, disable, link types), as MISP's isEditableByCurrentUser: site admins
 * any; a user with perm_decaying his organisation's own models, not the library's.
 */
export function mayEditDecayingModel(user: User, m: DecayingModelFacts): boolean {
  return isSiteAdmin(user) || (can(user, 'perm_decaying') && !m.isDefault && m.orgId === user.org.id);
}

/** A model may be deleted by whoever may change it, except the library's, which no one deletes. */
export function mayDeleteDecayingModel(user: User, m: DecayingModelFacts): boolean {
  return !m.isDefault && mayEditDecayingModel(user, m);
}

/** Reloading the library's models is for site admins, as MISP's decayingModel/update. */
export function mayUpdateDecayingModels(user: User): boolean {
  return isSiteAdmin(user);
}
