import type { User } from '../user.js';
import { mayReadAuditLog } from './audit.js';
import { mayManageCorrelationExclusions, mayToggleWarninglists } from './correlation.js';
import {
  mayAddEvents, mayAddToEvent, mayChangeEvent, mayDeleteEvent, mayProposeTo, mayPublishEvent, mayPublishRole, maySync, type EventFacts,
} from './events.js';
import { mayDeleteItem, mayEditItem } from './items.js';
import { mayManageFeeds, mayViewFeedCorrelations } from './feeds.js';
import { mayEditGalaxies, mayToggleNoticelists, mayToggleTaxonomies } from './libraries.js';
import { mayEditOrganisations } from './organisations.js';
import { isOrgAdmin, isSiteAdmin } from './permissions.js';
import { mayEditRoles } from './roles.js';
import { mayManageServers } from './servers.js';
import { mayMakeSharingGroups } from './sharing-groups.js';
import { mayAddSighting } from './sightings.js';
import { mayDeleteTags, mayEditTags, mayTag, mayTagItem } from './tags.js';
import { mayAdministerUsers, mayMakeApiKeys } from './users.js';

/** What the signed-in user may do, whatever the target: what the web interface offers him. */
export interface UserAbilities {
  siteAdmin: boolean;
  orgAdmin: boolean;
  canAdd: boolean;
  canPublish: boolean;
  canSync: boolean;
  canTag: boolean;
  canEditTags: boolean;
  canDeleteTags: boolean;
  canSight: boolean;
  canMakeApiKeys: boolean;
  canManageUsers: boolean;
  canEditRoles: boolean;
  canEditOrganisations: boolean;
  canMakeSharingGroups: boolean;
  canReadAuditLog: boolean;
  canManageCorrelationExclusions: boolean;
  canToggleWarninglists: boolean;
  canToggleTaxonomies: boolean;
  canToggleNoticelists: boolean;
  canEditGalaxies: boolean;
  canManageFeeds: boolean;
  /** Feed hits are shown beside attributes and search results (perm_view_feed_correlations). */
  canViewFeedCorrelations: boolean;
  canManageServers: boolean;
}

/** What the user may do to one event and what it holds. */
export interface EventAbilities {
  change: boolean;
  publish: boolean;
  delete: boolean;
  tag: boolean;
  tagLocally: boolean;
  addAttribute: boolean;
  addObject: boolean;
  editItems: boolean;
  deleteItems: boolean;
  purgeItems: boolean;
  propose: boolean;
}

export function abilities(user: User): UserAbilities;
export function abilities(user: User, event: EventFacts, hostOrgId: number | undefined): EventAbilities;
export function abilities(user: User, event?: EventFacts, hostOrgId?: number): UserAbilities | EventAbilities {
  if (event) {
    return {
      change: mayChangeEvent(user, event),
      publish: mayPublishEvent(user, event),
      delete: mayDeleteEvent(user, event),
      tag: mayTagItem(user, event, false, hostOrgId),
      tagLocally: mayTagItem(user, event, true, hostOrgId),
      addAttribute: mayAddToEvent(user, event),
      addObject: mayAddToEvent(user, event),
      editItems: mayEditItem(user, event),
      deleteItems: mayDeleteItem(user, event),
      purgeItems: mayDeleteItem(user, event, true),
      propose: mayProposeTo(user, event),
    };
  }
  return {
    siteAdmin: isSiteAdmin(user),
    orgAdmin: isOrgAdmin(user),
    canAdd: mayAddEvents(user),
    canPublish: mayPublishRole(user),
    canSync: maySync(user),
    canTag: mayTag(user),
    canEditTags: mayEditTags(user),
    canDeleteTags: mayDeleteTags(user),
    canSight: mayAddSighting(user),
    canMakeApiKeys: mayMakeApiKeys(user),
    canManageUsers: mayAdministerUsers(user),
    canEditRoles: mayEditRoles(user),
    canEditOrganisations: mayEditOrganisations(user),
    canMakeSharingGroups: mayMakeSharingGroups(user),
    canReadAuditLog: mayReadAuditLog(user),
    canManageCorrelationExclusions: mayManageCorrelationExclusions(user),
    canToggleWarninglists: mayToggleWarninglists(user),
    canToggleTaxonomies: mayToggleTaxonomies(user),
    canToggleNoticelists: mayToggleNoticelists(user),
    canEditGalaxies: mayEditGalaxies(user),
    canManageFeeds: mayManageFeeds(user),
    canViewFeedCorrelations: mayViewFeedCorrelations(user),
    canManageServers: mayManageServers(user),
  };
}
