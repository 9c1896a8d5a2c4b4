import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { LibraryKind } from '../../libraries/directory.js';
import { updateLibraries, type LibraryUpdate } from '../../services/libraries/update.js';
import { listObjectTemplates } from '../../store/libraries/object-templates.js';
import { mayUpdateLibraries } from '../../access/policy/libraries.js';
import { saved } from '../body.js';
import { templateDocument } from '../library-documents.js';
import { documented } from '../openapi.js';
import { lacking, refuseUnless, userOf } from '../session.js';
import type { ApiContext } from '../context.js';

/** MISP's words for an update, by what it changed: none, or how many (its controllers count new and newer libraries alike). */
function updateMessage(done: LibraryUpdate, plural: string, upToDate: string): string {
  const n = done.installed.length + done.updated.length;
  return n === 0 ? upToDate : `Successfully updated ${n} ${plural}.`;
}

/**
 * The libraries' `update` actions (site admins): each reloads one kind of library from the folders the
 * operator configured (CAIRN_LIBRARIES), storing the libraries that are new or whose version changed.
 * MISP pulls its library checkouts from the network; Cairn reads what the operator put on disk.
 */
export async function libraryUpdateRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store, libraryDirs } = ctx;
  const reload = (kind: LibraryKind) => async (request: FastifyRequest) => {
    refuseUnless(mayUpdateLibraries(userOf(request)), lacking('perm_site_admin'));
    // The store raises the caches' generation as it writes, so every server rebuilds what changed.
    return updateLibraries(store, libraryDirs, kind);
  };
  const url = (request: FastifyRequest) => request.url.split('?')[0]!;
  documented(app, 'Libraries', {
    'POST /taxonomies/update': { summary: 'Reload the taxonomies from the configured library folders (site admins)' },
    'POST /galaxies/update': { summary: 'Reload the galaxies and their clusters from the configured library folders (site admins)' },
    'POST /warninglists/update': { summary: 'Reload the warninglists from the configured library folders (site admins)' },
    'POST /noticelists/update': { summary: 'Reload the noticelists from the configured library folders (site admins)' },
    'POST /objectTemplates/update': { summary: 'Reload the object templates from the configured library folders (site admins); answers the templates as objectTemplates/index does' },
  });
  app.post('/taxonomies/update', async (request) =>
    saved(updateMessage(await reload('taxonomies')(request), 'taxonomy libraries', 'All taxonomy libraries are up to date already.'), url(request)));
  app.post('/warninglists/update', async (request) =>
    saved(updateMessage(await reload('warninglists')(request), 'warninglists', 'All warninglists are up to date already.'), url(request)));
  app.post('/noticelists/update', async (request) =>
    saved(updateMessage(await reload('noticelists')(request), 'noticelists', 'All noticelists are up to date already.'), url(request)));
  // MISP says the same whatever changed.
  app.post('/galaxies/update', async (request) => {
    await reload('galaxies')(request);
    return saved('Galaxies updated.', url(request));
  });
  // MISP's answer is its redirect to the templates' index, which clients follow.
  app.post('/objectTemplates/update', async (request) => {
    await reload('templates')(request);
    return (await listObjectTemplates(store)).map((t) => ({ ObjectTemplate: templateDocument(t.id, t.template) }));
  });
}
