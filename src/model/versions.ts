/**
 * The timestamps a change made on this instance gives what it changes. They are MISP's versions: a sync
 * peer takes an event whose timestamp is newer than its copy, and an event's items are merged one by one,
 * each when its timestamp is newer than the stored item's.
 */

/** The second it is now, as MISP's time(). */
export const currentSecond = (): number => Math.floor(Date.now() / 1000);

/**
 * An item (attribute, object, reference, report) a user changes here: the time of the change, never
 * older than the stored item. It may equal it: a local edit names the items it changes, and the merge
 * takes those at an equal timestamp (SaveOptions.localEdit).
 */
export function changedItemStamp(stored: number | undefined, now = currentSecond()): number {
  return stored === undefined ? now : Math.max(now, stored);
}

/**
 * An event a user changes here: the time of the change, as MISP stamps it, never older than the stored
 * version (a peer's clock may run ahead of ours) nor than the items the change brings. It may equal the
 * stored timestamp: a local edit is written all the same (SaveOptions.localEdit). Stamping stored + 1
 * would run the event's clock ahead of the wall's under a burst of edits, where MISP's clients search
 * by the time they made an edit. As in MISP, a sync peer that copied the event within the same second
 * takes the later edit only with the next change.
 */
export function changedEventStamp(stored: number, itemStamps: readonly number[] = [], now = currentSecond()): number {
  return Math.max(now, stored, ...itemStamps);
}
