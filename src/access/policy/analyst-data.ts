import type { User } from '../user.js';
import { isSiteAdmin } from './permissions.js';
import { keepsCreator, mayAddEvents } from './events.js';

/**
 * Notes, opinions and relationships (MISP 2.5's analyst data): whoever may add to events may write
 * them; an item is changed or deleted by its creator organisation, or by a site admin, as MISP decides.
 */
export function mayAddAnalystData(user: User): boolean {
  return mayAddEvents(user);
}

export function mayEditAnalystData(user: User, item: { orgcId: number }): boolean {
  return isSiteAdmin(user) || item.orgcId === user.org.id;
}

/** The creator organisation a document names is kept for sync users and site admins only; others create as their organisation. */
export function keepsAnalystCreator(user: User): boolean {
  return keepsCreator(user) || isSiteAdmin(user);
}
