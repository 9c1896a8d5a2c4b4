import type { User } from '../user.js';
import { isSiteAdmin } from './permissions.js';
import { maySync } from './events.js';

/** Remote instances, their keys and their runs are the site admins' alone, as in MISP. */
export function mayManageServers(user: User): boolean {
  return isSiteAdmin(user);
}

/**
 * The endpoints another instance calls while it syncs with this one (filterEventIdsForPush, pushCluster,
 * bulkSaveSightings…) take a sync user, as MISP's ACL has them; site admins may call them too.
 */
export function mayCallAsRemote(user: User): boolean {
  return maySync(user) || isSiteAdmin(user);
}

/** What deciding a push needs of a server: MISP's internal flag (the remote is this instance's own organisation) and the remote's organisation. */
export interface SyncTarget {
  id: number;
  internal: boolean;
  remoteOrgUuid: string;
}

/** What deciding a push needs of a sharing group. */
export interface GroupFacts {
  roaming: boolean;
  orgUuids: readonly string[];
  servers: ReadonlyArray<{ serverId: number; allOrgs: boolean }>;
}

/**
 * MISP's checkIfServerInSG: a group that lists instances (and does not roam) must list this server
 * (with all_orgs it is in at once), unless the server is internal; otherwise the remote's organisation
 * must be a member.
 */
export function serverInSharingGroup(g: GroupFacts, t: SyncTarget): boolean {
  if (g.servers.length > 0 && !g.roaming) {
    const listed = g.servers.filter((s) => s.serverId === t.id);
    if (listed.some((s) => s.allOrgs)) return true;
    if (listed.length === 0 && !t.internal) return false;
  }
  return g.orgUuids.includes(t.remoteOrgUuid);
}

/**
 * Whether an event may be pushed to a server at all (MISP's checkDistributionForPush and
 * __prepareForPushToServer): never an event of this organisation only or of this community only
 * (distribution 0 or 1) unless the server is internal; a sharing group's event only when the server is
 * in the group and the remote's organisation is a member. Answers the reason it may not.
 */
export function eventPushRefusal(distribution: number, group: GroupFacts | undefined, t: SyncTarget): string | undefined {
  if (!t.internal && distribution < 2) return 'The distribution level of this event blocks it from being pushed.';
  if (distribution === 4) {
    if (!group || !serverInSharingGroup(group, t)) return 'The sharing group of this event does not include the remote server or its organisation.';
    if (!group.orgUuids.includes(t.remoteOrgUuid) && !group.servers.some((s) => s.serverId === t.id && s.allOrgs)) {
      return 'The sharing group of this event does not include the remote organisation.';
    }
  }
  return undefined;
}

/** Whether an attribute, object or report crosses with its event (MISP's __update…ForSync): 0 and 1 stay unless internal, 4 by the group. */
export function itemPushable(distribution: number, group: GroupFacts | undefined, t: SyncTarget): boolean {
  if (t.internal) return true;
  if (distribution < 2) return false;
  if (distribution === 4) return group !== undefined && serverInSharingGroup(group, t);
  return true;
}
