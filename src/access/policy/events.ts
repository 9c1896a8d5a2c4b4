import type { User } from '../user.js';
import { can, isSiteAdmin } from './permissions.js';

/** What a decision about an event needs to know of it: which organisations own (Org) and created (Orgc) it. */
export interface EventFacts {
  orgUuid: string | null;
  orgcUuid: string;
}

/** The facts of an event already read whole (a StoredEvent, or anything shaped like one). */
export function eventFacts(event: { org: { uuid: string } | null; orgc: { uuid: string } }): EventFacts {
  return { orgUuid: event.org?.uuid ?? null, orgcUuid: event.orgc.uuid };
}

/**
 * Whether the user may change an event: a site admin, or a user of the organisation that owns or
 * created it whose role may modify. (Cairn does not record which user created an event, so MISP's
 * difference between perm_modify, own events, and perm_modify_org, the organisation's, is not made.)
 */
export function mayChangeEvent(user: User, event: EventFacts): boolean {
  if (isSiteAdmin(user)) return true;
  const owner = event.orgUuid === user.org.uuid || event.orgcUuid === user.org.uuid;
  return owner && (can(user, 'perm_modify') || can(user, 'perm_modify_org'));
}

/** mayChangeEvent for a caller holding the whole event. */
export function mayChange(user: User, event: { org: { uuid: string } | null; orgc: { uuid: string } }): boolean {
  return mayChangeEvent(user, eventFacts(event));
}

/**
 * Whether a sync user's version of a stored event may replace it, as MISP decides for an instance pushing
 * to this one: the user's organisation created the event, or the event came from another instance
 * (locked), or he is a site admin. The version must also be strictly newer (the pipeline checks it).
 */
export function mayBringVersion(user: User, stored: { orgcUuid: string; locked: boolean }): boolean {
  return isSiteAdmin(user) || stored.orgcUuid === user.org.uuid || (maySync(user) && stored.locked);
}

/** A sync user (not a site admin) edits as another instance does: MISP's rules for pushed versions apply to him. */
export function editsAsRemote(user: User): boolean {
  return maySync(user) && !isSiteAdmin(user) && !user.fetchesFeeds;
}

/** Creating events (and importing them) takes perm_add. */
export function mayAddEvents(user: User): boolean {
  return can(user, 'perm_add');
}

/** Synchronising with other instances (pushing events as they are) takes perm_sync. */
export function maySync(user: User): boolean {
  return can(user, 'perm_sync');
}

/** Only sync users and site admins store an event under the creator its document names; others' become their own. */
export function keepsCreator(user: User): boolean {
  return maySync(user);
}

/** Publishing (and taking back to draft) takes perm_publish on an event the user may change. */
export function mayPublishRole(user: User): boolean {
  return can(user, 'perm_publish');
}

export function mayPublishEvent(user: User, event: EventFacts): boolean {
  return mayChangeEvent(user, event) && mayPublishRole(user);
}

/** Deleting an event is changing it: MISP asks the same of both. */
export function mayDeleteEvent(user: User, event: EventFacts): boolean {
  return mayChangeEvent(user, event);
}

/** Adding attributes, objects or references takes perm_add on an event the user may change. */
export function mayAddToEvent(user: User, event: EventFacts): boolean {
  return mayAddEvents(user) && mayChangeEvent(user, event);
}

/**
 * Sending a proposal (MISP's shadow attribute) takes perm_add, to any event the user sees: MISP does not
 * refuse one to an event he could change himself.
 */
export function mayPropose(user: User): boolean {
  return can(user, 'perm_add');
}

/**
 * A proposal is how a user with perm_add offers a change to an event he sees but may not change: the
 * interface offers it where changing is not (proposals to his own events are allowed, but pointless).
 */
export function mayProposeTo(user: User, event: EventFacts): boolean {
  return can(user, 'perm_add') && !mayChangeEvent(user, event);
}
