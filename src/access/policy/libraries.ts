import type { User } from '../user.js';
import { can, isSiteAdmin } from './permissions.js';

/** An enabled taxonomy decides which tags exist for everyone: site admins turn them on and off. */
export function mayToggleTaxonomies(user: User): boolean {
  return isSiteAdmin(user);
}

export function mayToggleNoticelists(user: User): boolean {
  return isSiteAdmin(user);
}

/** Galaxy clusters are read by all; making and changing them takes perm_galaxy_editor (as MISP's getVersion reports). */
export function mayEditGalaxies(user: User): boolean {
  return can(user, 'perm_galaxy_editor');
}

/** Reloading the libraries from the instance's folders replaces what every user sees: site admins only, as in MISP. */
export function mayUpdateLibraries(user: User): boolean {
  return isSiteAdmin(user);
}

/**
 * A custom galaxy cluster (and its relations) is changed, published or deleted by galaxy editors of the
 * organisation that made it, or by a site admin (MISP's GalaxyCluster::fetchIfAuthorized).
 */
export function mayChangeCluster(user: User, orgcId: number): boolean {
  return isSiteAdmin(user) || (can(user, 'perm_galaxy_editor') && user.org.id === orgcId);
}
