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
 * Whether the user may put a tag on (or take it off) an event or one of its attributes. A local tag is
 * his organisation's own note on what it sees; a global one changes the event, which is its owners'.
 */
export function mayTagItem(user: User, event: EventFacts, local: boolean): boolean {
  return mayTag(user) && (local || mayChangeEvent(user, event));
}
