import type { Viewer } from '../../access/viewer.js';
import type { StoredEvent } from '../../model/event.js';
import type { Store } from '../../store/db/database.js';
import { loadEvent } from '../../store/events/reader.js';
import { searchObjects, type ObjectFilter } from '../../store/search/objects.js';
import { ServiceError } from '../errors.js';
import { objectDocument, type ObjectDocument } from '../events/object-document.js';
import { anyOf, termsOf } from './query-terms.js';
import { attributeSearch, type RestQuery } from './rest-query.js';

/**
 * objects/restSearch (MISP's ObjectsController::restSearch): the objects the viewer may see that the query
 * finds, each as objects/view answers it, with its attributes. It takes restSearch's filters (what they ask
 * of attributes must hold for one attribute of the object, what they ask of events for its event) and
 * `object_name`, `object_template_uuid`, `object_template_version`; `deleted` asks about the objects.
 */
export async function objectSearch(store: Store, viewer: Viewer, query: RestQuery): Promise<ObjectDocument[]> {
  const search = attributeSearch(query, 'attributes');
  if (search.returnFormat !== 'json') throw new ServiceError('invalid', `restSearch: returnFormat "${search.returnFormat}" is not one objects/restSearch answers (json)`);
  const q = search.query;
  const { limit, offset, includeDeleted, onlyDeleted, ...within } = search.filter;
  const names = termsOf(q.object_name, 'object_name');
  const filter: ObjectFilter = {
    within,
    deleted: onlyDeleted ? 'only' : includeDeleted ? 'both' : 'live',
    ...(limit !== undefined ? { limit } : {}),
    ...(offset !== undefined ? { offset } : {}),
  };
  const put = (key: 'names' | 'notNames' | 'templateUuids' | 'templateVersions', list: string[] | undefined) => {
    if (list?.length) filter[key] = list;
  };
  put('names', anyOf(names));
  put('notNames', names?.not);
  put('templateUuids', anyOf(termsOf(q.object_template_uuid, 'object_template_uuid'))?.map((u) => u.toLowerCase()));
  put('templateVersions', anyOf(termsOf(q.object_template_version, 'object_template_version')));

  const found = await searchObjects(store, viewer, filter);
  const out: ObjectDocument[] = [];
  // Objects come in id order: the objects of one event that follow each other share one read of it.
  let current: StoredEvent | undefined;
  for (const hit of found) {
    if (current?.id !== hit.eventId) current = await loadEvent(store, viewer, { id: hit.eventId }, { includeDeleted: true });
    const doc = current && objectDocument(current, hit.uuid);
    if (doc) out.push(doc);
  }
  return out;
}
