import type { MispEvent } from './event.js';
import { changedEventStamp, changedItemStamp } from './versions.js';

/**
 * The update that marks one attribute or object of a stored event deleted (MISP's soft delete): the
 * event carrying only that item, deleted, with a timestamp newer than the item's, so that the
 * item-by-item merge takes it. An object takes its attributes with it. Undefined when the
 * event holds no attribute or object of that uuid.
 */
export function softDeletion(event: MispEvent, uuid: string, nowSeconds: number): MispEvent | undefined {
  const object = event.objects.find((o) => o.uuid === uuid);
  if (object) {
    const timestamp = Math.max(changedItemStamp(object.timestamp, nowSeconds), ...object.attributes.map((a) => changedItemStamp(a.timestamp, nowSeconds)));
    const attributes = object.attributes.map((a) => ({ ...a, deleted: true, timestamp }));
    return { ...event, timestamp: changedEventStamp(event.timestamp, [timestamp], nowSeconds), reports: [], attributes: [], objects: [{ ...object, deleted: true, timestamp, references: [], attributes }] };
  }
  const holder = event.objects.find((o) => o.attributes.some((a) => a.uuid === uuid));
  const attribute = (holder?.attributes ?? event.attributes).find((a) => a.uuid === uuid);
  if (!attribute) return undefined;
  const timestamp = changedItemStamp(attribute.timestamp, nowSeconds);
  const gone = { ...attribute, deleted: true, timestamp };
  return { ...event, timestamp: changedEventStamp(event.timestamp, [timestamp], nowSeconds), reports: [], attributes: holder ? [] : [gone], objects: holder ? [{ ...holder, references: [], attributes: [gone] }] : [] };
}

/**
 * The update that brings a soft-deleted attribute back (MISP's attributes/restore): the event carrying
 * only that attribute, live again, newer than it, and the event unpublished, as MISP
 * leaves it. Undefined when the event holds no attribute of that uuid.
 */
export function restoration(event: MispEvent, uuid: string, nowSeconds: number): MispEvent | undefined {
  const holder = event.objects.find((o) => o.attributes.some((a) => a.uuid === uuid));
  const attribute = (holder?.attributes ?? event.attributes).find((a) => a.uuid === uuid);
  if (!attribute) return undefined;
  const timestamp = changedItemStamp(attribute.timestamp, nowSeconds);
  const back = { ...attribute, deleted: false, timestamp };
  return { ...event, published: false, timestamp: changedEventStamp(event.timestamp, [timestamp], nowSeconds), reports: [], attributes: holder ? [] : [back], objects: holder ? [{ ...holder, references: [], attributes: [back] }] : [] };
}
