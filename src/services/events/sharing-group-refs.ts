import type { MispEvent, SharingGroupRef } from '../../model/event.js';
import type { Store } from '../../store/db/database.js';
import { findSharingGroup } from '../../store/access/sharing-groups.js';
import type { User } from '../../store/access/users.js';
import { ServiceError } from '../errors.js';
import { OPERATOR, viewerOf } from '../../access/viewer.js';
import { maySync } from '../../access/policy/events.js';

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
    // A group described by uuid (as another instance sends it) is that group: its sharing_group_id is the sender's own number.
    const found = ref?.uuid !== undefined ? await findSharingGroup(store, viewerOf(user), { uuid: ref.uuid })
      : ref?.id !== undefined ? await findSharingGroup(store, viewerOf(user), { id: ref.id }) : undefined;
    if (!ref) problems.push('distribution 4 (a sharing group) needs sharing_group_id');
    else if (found) item.sharing_group = { id: found.id, uuid: found.uuid, name: found.name };
    else if (await capturable(store, user, ref)) item.sharing_group = { uuid: ref.uuid!, ...(ref.name ? { name: ref.name } : {}), organisations: ref.organisations ?? [] };
    else problems.push(`no sharing group ${ref.uuid ?? ref.id} that you may use`);
  }
  if (problems.length > 0) throw new ServiceError('rejected', 'The event could not be saved.', { errors: { sharing_group_id: [...new Set(problems)] } });
}

/**
 * A group unknown here that another instance describes in full (its uuid and member organisations) is
 * made here on import, as MISP's captureSG makes it, when a sync user brings it and his organisation is
 * a member; a group of that uuid held here already, even one he may not see, is never taken over.
 */
async function capturable(store: Store, user: User, ref: SharingGroupRef): Promise<boolean> {
  if (!ref.uuid || !maySync(user)) return false;
  if (!(ref.organisations ?? []).some((o) => o.uuid === user.org.uuid)) return false;
  return (await findSharingGroup(store, OPERATOR, { uuid: ref.uuid })) === undefined;
}
