import type { StoredEvent } from '../../model/event.js';
import { changedEventStamp, changedItemStamp, currentSecond } from '../../model/versions.js';

type Doc = Record<string, unknown>;

const list = (value: unknown): Doc[] => (Array.isArray(value) ? value.filter((v): v is Doc => typeof v === 'object' && v !== null) : []);
const missing = (value: unknown) => value === undefined || value === null || value === '' || value === '0' || value === 0;

/**
 * Stamps an events/edit document as MISP does: what a client changed it sends without a timestamp
 * (PyMISP drops it from what it edited), and that gets the time of the edit and is written even within
 * the second of the stored version; what it sends with its stored timestamp stays as is. The event gets
 * the time of the edit unless the client sent a newer timestamp. The items are stamped in place; the
 * answer is the event's timestamp and the uuids of the stored items the edit changes.
 */
export function stampEdit(raw: Doc, stored: StoredEvent, now = currentSecond()): { timestamp: number; changed: Set<string> } {
  const storedStamp = new Map<string, number>();
  for (const a of stored.attributes) storedStamp.set(a.uuid, a.timestamp);
  for (const o of stored.objects) {
    storedStamp.set(o.uuid, o.timestamp);
    for (const a of o.attributes) storedStamp.set(a.uuid, a.timestamp);
    for (const r of o.references) storedStamp.set(r.uuid, r.timestamp);
  }
  for (const r of stored.reports) storedStamp.set(r.uuid, r.timestamp);
  const stamps: number[] = [];
  const changed = new Set<string>();
  const stamp = (item: Doc): number | undefined => {
    const uuid = typeof item.uuid === 'string' ? item.uuid.toLowerCase() : undefined;
    const known = uuid === undefined ? undefined : storedStamp.get(uuid);
    if (known === undefined || !missing(item.timestamp)) return undefined;
    const at = changedItemStamp(known, now);
    item.timestamp = String(at);
    stamps.push(at);
    changed.add(uuid!);
    return at;
  };
  for (const a of list(raw.Attribute)) stamp(a);
  for (const r of list(raw.EventReport)) stamp(r);
  for (const o of list(raw.Object)) {
    const inner = [...list(o.Attribute), ...list(o.ObjectReference)].map(stamp).filter((t): t is number => t !== undefined);
    // An object whose attributes changed is a newer object too: its version covers theirs.
    if (inner.length > 0 && missing(o.timestamp)) o.timestamp = String(Math.max(stamp(o) ?? now, ...inner));
    else stamp(o);
  }
  const given = Number(raw.timestamp ?? 0);
  return { timestamp: given > stored.timestamp ? given : changedEventStamp(stored.timestamp, stamps, now), changed };
}
