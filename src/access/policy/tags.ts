import type { User } from '../user.js';
import { can, isSiteAdmin } from './permissions.js';
import { mayChangeEvent, type EventFacts } from './events.js';

/** Creating and changing tags takes perm_tag_editor; tagging with a tag that does not exist yet creates it, so it does too. */
export function mayEditTags(user: User): boolean {
  return can(user, 'perm_tag_editor');
}

/** Deleting a tag takes it off everything, whoever put it there: site admins only. */
export function mayDeleteTags(user: User): boolean {
  return isSiteAdmin(user);
}

/** Putting tags on and taking them off takes perm_tagger. */
export function mayTag(user: User): boolean {
  return can(user, 'perm_tagger');
}

/**
 * Whether the user may put a tag on (or take it off) an event or one of its attributes. A global tag
 * changes the event, which is its owners'. A local tag is never synced but every user of this instance
 * sees it and searches by it, so, as in MISP, it is the host organisation's (`hostOrgId`), the event's
 * own organisation's or a site admin's to put on: another organisation's would change what all see.
 */
export function mayTagItem(user: User, event: EventFacts, local: boolean, hostOrgId: number | undefined): boolean {
  if (!mayTag(user)) return false;
  if (!local) return mayChangeEvent(user, event);
  return isSiteAdmin(user) || user.org.id === hostOrgId || user.org.uuid === event.orgUuid || user.org.uuid === event.orgcUuid;
}

/** Whom a tag is for: `orgId` and `userId` restrict it to one organisation or one user; 0 is everyone. */
export interface TagRestriction {
  orgId: number;
  userId: number;
}

/**
 * Whether the user sees a tag, and may put it on things: a tag restricted to an organisation is that
 * organisation's alone, one restricted to a user his alone (site admins see and use every tag), as in
 * MISP, where another organisation's restricted tag is not even listed.
 */
export function maySeeTag(user: User, tag: TagRestriction): boolean {
  if (isSiteAdmin(user)) return true;
  return (tag.orgId === 0 || tag.orgId === user.org.id) && (tag.userId === 0 || tag.userId === user.id);
}

/** Why the user may not put a restricted tag on something, in MISP's words; undefined when he may. */
export function tagRestrictionRefusal(user: User, tag: TagRestriction): string | undefined {
  if (isSiteAdmin(user)) return undefined;
  if (tag.orgId !== 0 && tag.orgId !== user.org.id) return 'Invalid Tag. This tag can only be set by a fixed organisation.';
  if (tag.userId !== 0 && tag.userId !== user.id) return 'Invalid Tag. This tag can only be set by a fixed user.';
  return undefined;
}
