import type { Attribute } from './event.js';

/** MISP's words for an attribute that repeats one its event already holds. */
export const SIMILAR_ATTRIBUTE = 'A similar attribute already exists for this event.';

type Facts = Pick<Attribute, 'uuid' | 'type' | 'category' | 'value' | 'deleted' | 'object_relation'>;

/**
 * The attribute of `among` (an event's own attributes, outside objects) that `candidate` repeats, as
 * MISP's uniqueValue rule decides: same type, category and value, neither deleted, both outside objects
 * (objects may repeat a value, e.g. two files of the same name). MISP applies it when attributes are
 * added to or edited in an event one by one (attributes/add, attributes/edit), not to a whole event
 * document (events/add stores what it is given). Values are compared as normalised.
 */
export function similarAttribute(candidate: Facts, among: readonly Facts[]): Facts | undefined {
  if (candidate.deleted || candidate.object_relation) return undefined;
  return among.find((a) => a.uuid !== candidate.uuid && !a.deleted && !a.object_relation
    && a.type === candidate.type && a.category === candidate.category && a.value === candidate.value);
}
