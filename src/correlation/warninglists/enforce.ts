import type { Attribute, MispEvent } from '../../model/event.js';
import type { WarninglistIndex } from './index.js';

/** Names of the enabled lists an attribute's value is on. */
export function warninglistsOf(index: WarninglistIndex | undefined, a: Pick<Attribute, 'type' | 'value'>): string[] {
  return index ? index.check(a.value, a.type).map((h) => h.name) : [];
}

/** Whether a value is kept when the lists are enforced: the one test every search and export applies. */
export function notWarninglisted(index: WarninglistIndex): (a: Pick<Attribute, 'type' | 'value'>) => boolean {
  return (a) => index.check(a.value, a.type).length === 0;
}

/**
 * The event without the attributes whose values are on an enabled warninglist, in objects too: what
 * MISP's `enforceWarninglist` does to an export. An object left without attributes is left out.
 */
export function withoutWarninglisted<E extends MispEvent>(event: E, index: WarninglistIndex | undefined): E {
  if (!index) return event;
  const keep = notWarninglisted(index);
  return {
    ...event,
    attributes: event.attributes.filter(keep),
    objects: event.objects
      .map((o) => ({ ...o, attributes: o.attributes.filter(keep) }))
      .filter((o, i) => o.attributes.length > 0 || event.objects[i]!.attributes.length === 0),
  };
}
