import type { Viewer } from '../../access/viewer.js';
import { eventCorrelations } from '../../store/correlations/event-correlations.js';
import type { Store } from '../../store/db/database.js';
import type { CorrelationSettings } from '../../store/settings.js';

/** What MISP's includeCorrelations adds to an attribute: the attributes of other events that share its value. */
export type RelatedAttribute = {
  event_id: string;
  uuid: string;
  value: string;
  info: string;
};

const relatedEventEntry = (r: { id: number; uuid: string; info: string; date: string }) => ({ Event: { id: String(r.id), uuid: r.uuid, info: r.info, date: r.date } });

/** An event's RelatedEvent entries alone (what events/view answers): found without reading each linking attribute. */
export async function relatedEvents(store: Store, viewer: Viewer, eventId: number, settings: CorrelationSettings) {
  const c = await eventCorrelations(store, viewer, { id: eventId }, settings, { eventsOnly: true });
  return (c?.related ?? []).map(relatedEventEntry);
}

/**
 * The correlations of one event, as RelatedEvent entries and, by attribute uuid, RelatedAttribute
 * lists: only events the viewer may see are named (the store's correlation queries apply his policy).
 */
export async function eventRelations(store: Store, viewer: Viewer, eventId: number, settings: CorrelationSettings) {
  const c = await eventCorrelations(store, viewer, { id: eventId }, settings);
  const byAttribute = new Map<string, RelatedAttribute[]>();
  // MISP.max_correlations_per_event: an event correlating with everything lists a bounded number.
  let left = settings.maxPerEvent;
  for (const r of c?.related ?? []) {
    for (const l of r.links) {
      if (left-- <= 0) break;
      const list = byAttribute.get(l.attribute) ?? [];
      list.push({ event_id: String(r.id), uuid: l.relatedAttribute, value: l.relatedValue, info: r.info });
      byAttribute.set(l.attribute, list);
    }
  }
  return {
    relatedEvents: (c?.related ?? []).map(relatedEventEntry),
    byAttribute,
  };
}
