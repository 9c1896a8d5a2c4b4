import type { EventFacts } from '../access/policy/events.js';
import { eventFacts } from '../access/policy/events.js';
import type { User } from '../access/user.js';
import { viewerOf } from '../access/viewer.js';
import type { StoredEvent } from '../model/event.js';
import type { Store } from '../store/db/database.js';
import { eventOwnership } from '../store/events/ownership.js';
import { loadEvent, parseEventRef } from '../store/events/reader.js';
import { mayAddItem, mayAddItems } from '../access/policy/items.js';
import { notFound } from './errors.js';
import { lacking, refuseUnless } from './session.js';

/**
 * An event the user may change (as `may` decides), whole and as he may see it, deleted items included so
 * that a merge of his change keeps them. An event he may not see is, to him, no event at all.
 */
export async function changeableEvent(store: Store, user: User, eventId: number, may: (user: User, event: EventFacts) => boolean): Promise<StoredEvent> {
  const event = await loadEvent(store, viewerOf(user), { id: eventId }, { includeDeleted: true });
  if (!event) throw notFound('event');
  refuseUnless(may(user, eventFacts(event)), 'You do not have permission to do that.');
  return event;
}

/**
 * The event of an address (id or uuid) the user may add an item to. Who owns it is read first, in one
 * narrow query, so that a refusal reads nothing more; the whole event is then read once, for the write.
 */
export async function eventToAddTo(store: Store, user: User, ref: string): Promise<StoredEvent> {
  refuseUnless(mayAddItems(user), lacking('perm_add'));
  const eventRef = parseEventRef(ref);
  const owned = eventRef && (await eventOwnership(store, viewerOf(user), eventRef));
  if (!owned) throw notFound('event');
  refuseUnless(mayAddItem(user, owned), 'You do not have permission to do that.');
  return changeableEvent(store, user, owned.id, mayAddItem);
}
