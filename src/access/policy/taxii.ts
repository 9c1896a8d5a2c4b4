import type { User } from '../user.js';
import { can } from './permissions.js';

/**
 * A TAXII collection is listed to a user only when he may read it (the store decides which he sees);
 * writing takes a collection that takes objects and a role that may add events.
 */
export function mayReadCollection(_user: User, _collection: { writable: boolean }): boolean {
  return true;
}

export function mayWriteCollection(user: User, collection: { writable: boolean }): boolean {
  return collection.writable && can(user, 'perm_add');
}
