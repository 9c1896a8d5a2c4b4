import type { User } from '../user.js';
import { can, isSiteAdmin } from './permissions.js';

/**
 * Feeds are configured, fetched and cached by site admins only, as in MISP: a feed's url is fetched by
 * the server, so who names it decides what the server reaches.
 */
export function mayManageFeeds(user: User): boolean {
  return isSiteAdmin(user);
}

/**
 * A feed's configuration and its cached content are seen by site admins and the host organisation's
 * users; others see only the feeds marked `lookup_visible` (MISP's rule for index, previews and
 * cache searches). `hostOrgId` is the instance's own organisation.
 */
export function mayViewFeed(user: User, hostOrgId: number | undefined, feed: { lookupVisible: boolean }): boolean {
  return isSiteAdmin(user) || (hostOrgId !== undefined && user.org.id === hostOrgId) || feed.lookupVisible;
}

/** The feed's request headers may carry credentials: site admins alone read them. */
export function mayReadFeedHeaders(user: User): boolean {
  return isSiteAdmin(user);
}

/**
 * Feed hits (the cached feeds holding a value, beside events, attributes and search results) are shown
 * to roles with perm_view_feed_correlations only, as MISP's attachFeedCorrelations answers; a role
 * without it gets the documents without them. Looking a value up in the caches on purpose
 * (feeds/searchCaches) stays open to every user, as in MISP.
 */
export function mayViewFeedCorrelations(user: User): boolean {
  return can(user, 'perm_view_feed_correlations');
}
