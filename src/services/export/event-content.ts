import type { Attribute, StoredEvent } from '../../model/event.js';

/**
 * What events/restSearch keeps of each event it returns, as MISP's fetchEvent does with the search's
 * filters: the attributes of the asked to_ids, the deleted ones only when asked for, none carrying a
 * tag the search excludes (`tags: {"NOT": […]}`), and nothing but the event itself for `metadata`.
 */
export interface EventContent {
  toIds?: boolean;
  /** Live attributes (the default), deleted ones alone, or both. */
  deleted?: 'live' | 'only' | 'both';
  /** Attributes carrying any of these tags (names, or `%` patterns) are left out. */
  blockedTags?: readonly string[];
  /** The event without its attributes, objects and reports. */
  metadata?: boolean;
}

/** A tag name or a `%` pattern as a test of names; patterns match regardless of case, as in the store. */
function nameTest(pattern: string): (name: string) => boolean {
  if (!pattern.includes('%')) return (name) => name === pattern;
  const re = new RegExp(`^${pattern.split('%').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'is');
  return (name) => re.test(name);
}

/** Whether the content rules change anything: most searches keep events whole and skip the copy. */
export function narrowsContent(c: EventContent | undefined): c is EventContent {
  return Boolean(c && (c.toIds !== undefined || (c.deleted && c.deleted !== 'live') || c.blockedTags?.length || c.metadata));
}

/** The event as the search returns it (the event read with its deleted items when they may be kept). */
export function eventContent(event: StoredEvent, c: EventContent): StoredEvent {
  if (c.metadata) return { ...event, attributes: [], objects: [], reports: [] };
  const blocked = (c.blockedTags ?? []).map(nameTest);
  const keep = (a: Attribute) => {
    if (c.toIds !== undefined && a.to_ids !== c.toIds) return false;
    if (c.deleted === 'only' && !a.deleted) return false;
    if ((c.deleted ?? 'live') === 'live' && a.deleted) return false;
    return !a.tags.some((t) => blocked.some((b) => b(t.name)));
  };
  const withDeleted = c.deleted === 'both' || c.deleted === 'only';
  const objects = event.objects
    .filter((o) => withDeleted || !o.deleted)
    .map((o) => ({ ...o, attributes: o.attributes.filter(keep), held: o.attributes.length }))
    // An object the rules emptied goes too (a deleted object stays when deleted ones are asked for).
    .filter((o) => o.attributes.length > 0 || o.held === 0 || (withDeleted && o.deleted))
    .map(({ held: _held, ...o }) => o);
  return { ...event, attributes: event.attributes.filter(keep), objects };
}
