import type { User } from '../user.js';
import { isSiteAdmin } from './permissions.js';
import { mayAddEvents, mayAddToEvent, mayChangeEvent, type EventFacts } from './events.js';

/**
 * Attributes, objects and object references belong to their event: who may change the event may edit
 * and delete them (MISP asks no perm_add to edit); adding one takes perm_add as well.
 */
export function mayEditItem(user: User, event: EventFacts): boolean {
  return mayChangeEvent(user, event);
}

/** Adding to any event at all takes perm_add: what is asked before the event is looked for. */
export function mayAddItems(user: User): boolean {
  return mayAddEvents(user);
}

export function mayAddItem(user: User, event: EventFacts): boolean {
  return mayAddToEvent(user, event);
}

/** A soft deletion is an edit; removing an item for good (hard) is for site admins alone, who then see no trace of it. */
export function mayDeleteItem(user: User, event: EventFacts, hard = false): boolean {
  return mayChangeEvent(user, event) && (!hard || mayPurgeItems(user));
}

export function mayPurgeItems(user: User): boolean {
  return isSiteAdmin(user);
}

/** An event report is removed for good by whoever may change its event, as MISP allows (unlike attributes and objects). */
export function mayPurgeReport(user: User, event: EventFacts): boolean {
  return mayChangeEvent(user, event);
}
