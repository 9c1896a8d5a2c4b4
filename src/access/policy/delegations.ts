import type { User } from '../user.js';
import { can, isSiteAdmin } from './permissions.js';

/** The two organisations of a delegation: the one asked to take the event (org) and the one asking. */
export interface DelegationFacts {
  orgId: number;
  requesterOrgId: number;
}

/** Asking another organisation to take an event over takes perm_delegate, as MISP's ACL has it. */
export function mayDelegateRole(user: User): boolean {
  return can(user, 'perm_delegate');
}

/** Only the organisation that created the event (or a site admin) may give it away, as in MISP. */
export function mayDelegateEvent(user: User, event: { orgcUuid: string }): boolean {
  return isSiteAdmin(user) || event.orgcUuid === user.org.uuid;
}

/** Accepting or withdrawing a request changes events: it takes perm_add, as MISP's ACL has it. */
export function mayAnswerDelegationsRole(user: User): boolean {
  return can(user, 'perm_add');
}

/** A delegation is the business of its two organisations (and site admins) only. */
export function maySeeDelegation(user: User, d: DelegationFacts): boolean {
  return isSiteAdmin(user) || user.org.id === d.orgId || user.org.id === d.requesterOrgId;
}

/** Only the organisation asked (or a site admin) takes the event. */
export function mayAcceptDelegation(user: User, d: DelegationFacts): boolean {
  return isSiteAdmin(user) || user.org.id === d.orgId;
}

/** Either side may withdraw the request. */
export function mayDiscardDelegation(user: User, d: DelegationFacts): boolean {
  return maySeeDelegation(user, d);
}
