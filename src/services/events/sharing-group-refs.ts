import type { MispEvent, SharingGroupRef } from '../../model/event.js';
import type { Store } from '../../store/db/database.js';
import { findSharingGroup } from '../../store/access/sharing-groups.js';
import type { User } from '../../store/access/users.js';
import { ServiceError } from '../errors.js';
import { viewerOf } from '../../access/viewer.js';

type Shareable = { distribution: number; sharing_group?: SharingGroupRef };

function items(event: MispEvent): Shareable[] {
  return [event, ...event.attributes, ...event.objects.flatMap((o) => [o, ...o.attributes]), ...event.reports];
}

/**
 * Every item of an event a client sends at distribution 4 must name, by id or uuid, a sharing group
 * the user may see; it is then held by that group's uuid. A client never creates a group this way (the
 * import path does, for groups described in full by another instance), and a group named on an item
 * of another distribution is ignored, as MISP ignores it.
 */
export async function resolveSharingGroups(store: Store, user: User, event: MispEvent): Promise<void> {
  const problems: string[] = [];
  for (const item of items(event)) {
    if (item.distribution !== 4) {
      delete item.sharing_group;
      continue;
    }
    const ref = item.sharing_group;
    const found = ref?.id !== undefined ? await findSharingGroup(store, viewerOf(user), { id: ref.id })
      : ref?.uuid !== undefined ? await findSharingGroup(store, viewerOf(user), { uuid: ref.uuid }) : undefined;
    if (!ref) problems.push('distribution 4 (a sharing group) needs sharing_group_id');
    else if (!found) problems.push(`no sharing group ${ref.id ?? ref.uuid} that you may use`);
    else item.sharing_group = { id: found.id, uuid: found.uuid, name: found.name };
  }
  if (problems.length > 0) throw new ServiceError('rejected', 'The event could not be saved.', { errors: { sharing_group_id: [...new Set(problems)] } });
}
