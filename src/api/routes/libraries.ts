import type { FastifyInstance, FastifyRequest } from 'fastify';
import { taxonomyTags } from '../../libraries/taxonomy.js';
import { clusterByRef, clustersOfGalaxy, galaxyByRef, listGalaxies, type ClusterContext } from '../../store/libraries/galaxies.js';
import { listNoticelists, noticelistByRef, setNoticelistEnabled } from '../../store/libraries/noticelists.js';
import { listObjectTemplates, objectTemplateByRef } from '../../store/libraries/object-templates.js';
import { listTaxonomies, setTaxonomiesEnabled, taxonomyByRef } from '../../store/libraries/taxonomies.js';
import { existingTagNames } from '../../store/tags.js';
import { countField, saved, textField } from '../body.js';
import { ApiError, notFound } from '../errors.js';
import {
  clusterDocument, galaxyDocument, noticelistDocument, taxonomyDocument, templateDocument, templateElements,
} from '../library-documents.js';
import { documented } from '../openapi.js';
import { ObjectTemplates, ObjectTemplateView, Taxonomies } from '../schemas/answers.js';
import { lacking, refuseUnless, userOf } from '../session.js';
import { mayToggleNoticelists, mayToggleTaxonomies } from '../../access/policy/libraries.js';
import type { ApiContext } from '../context.js';
import { viewerOf } from '../../access/viewer.js';
import { clusterView } from './galaxy-clusters.js';

type IdRequest = FastifyRequest<{ Params: { id: string } }>;

/** A search body or query: MISP clients send `{"value": …}` to galaxies and `{"searchall": …}` to clusters. */
function searchOf(request: FastifyRequest, field: string): string | undefined {
  const body = request.body && typeof request.body === 'object' ? request.body as Record<string, unknown> : {};
  const query = request.query as Record<string, unknown>;
  return (textField(body, field) ?? textField(query, field))?.trim() || undefined;
}

/** Taxonomies, galaxies and their clusters, object templates and noticelists, as MISP serves them. */
export async function libraryRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store } = ctx;
  documented(app, 'Libraries', {
    'GET /taxonomies/index': { summary: 'Every taxonomy, with how many of its tags exist here', response: Taxonomies },
    'GET /taxonomies': { summary: 'Every taxonomy (as taxonomies/index)', response: Taxonomies },
    'GET /taxonomies/view/:id': { summary: 'A taxonomy by id or namespace, with every tag it defines' },
    'POST /taxonomies/enable/:id': { summary: 'Enable a taxonomy: its exclusivity rules and its tags apply (site admins)' },
    'POST /taxonomies/disable/:id': { summary: 'Disable a taxonomy (site admins)' },
    'GET /galaxies/index': { summary: 'Every galaxy' },
    'GET /galaxies': { summary: 'Every galaxy (as galaxies/index)' },
    'POST /galaxies': { summary: 'Galaxies whose name, type or namespace holds `value`' },
    'POST /galaxies/index': { summary: 'Galaxies whose name, type or namespace holds `value` (as POST /galaxies)' },
    'GET /galaxies/view/:id': { summary: 'A galaxy by id, uuid or type, with its clusters' },
    'GET /galaxy_clusters/index/:id': { summary: 'The clusters of a galaxy' },
    'POST /galaxy_clusters/index/:id': { summary: 'The clusters of a galaxy whose value, synonyms or description hold `searchall`' },
    'GET /galaxy_clusters/view/:id': { summary: 'A cluster by id or uuid, with its galaxy, meta and relations' },
    'GET /objectTemplates/index': { summary: 'Every object template', response: ObjectTemplates },
    'GET /objectTemplates': { summary: 'Every object template (as objectTemplates/index)', response: ObjectTemplates },
    'GET /objectTemplates/view/:id': { summary: 'An object template by id, uuid or name, with its relations', response: ObjectTemplateView },
    'GET /objectTemplates/getRaw/:id': { summary: 'An object template as published (definition.json)' },
    'GET /noticelists/index': { summary: 'Every noticelist' },
    'GET /noticelists': { summary: 'Every noticelist (as noticelists/index)' },
    'GET /noticelists/view/:id': { summary: 'A noticelist by id or name, with its notices' },
    'POST /noticelists/enableNoticelist/:id/:enable': { summary: 'Enable (enable = true) or disable a noticelist (site admins); answers the noticelist' },
    'POST /noticelists/enableNoticelist/:id': { summary: 'Disable a noticelist (site admins); answers the noticelist' },
    'POST /noticelists/toggleEnable/:id': { summary: 'Turn a noticelist on or off (site admins)' },
  });

  const taxonomyIndex = async () => {
    const all = (await listTaxonomies(store)).map((t) => ({ info: t.info, tags: taxonomyTags(t.taxonomy).map((x) => x.tag) }));
    const existing = await existingTagNames(store, all.flatMap((t) => t.tags));
    return all.map((t) => ({ Taxonomy: taxonomyDocument(t.info), total_count: t.tags.length, current_count: t.tags.filter((x) => existing.has(x)).length }));
  };
  app.get('/taxonomies', taxonomyIndex);
  app.get('/taxonomies/index', taxonomyIndex);
  app.get('/taxonomies/view/:id', async (request: IdRequest) => {
    const found = await taxonomyByRef(store, request.params.id);
    if (!found) throw notFound('taxonomy');
    const tags = taxonomyTags(found.taxonomy);
    const existing = await existingTagNames(store, tags.map((t) => t.tag));
    return {
      Taxonomy: taxonomyDocument(found.info),
      entries: tags.map((t) => ({
        tag: t.tag, expanded: t.expanded, description: t.description, exclusive_predicate: t.exclusivePredicate, existing_tag: existing.has(t.tag),
        ...(t.colour ? { colour: t.colour } : {}), ...(t.numericalValue !== undefined ? { numerical_value: t.numericalValue } : {}),
      })),
    };
  });
  const toggleTaxonomy = (enabled: boolean) => async (request: IdRequest) => {
    refuseUnless(mayToggleTaxonomies(userOf(request)), lacking('perm_site_admin'));
    const [done] = await setTaxonomiesEnabled(store, [request.params.id], enabled);
    if (!done) throw notFound('taxonomy');
    return saved(`Taxonomy ${enabled ? 'enabled' : 'disabled'}`, request.url.split('?')[0]!, done.id);
  };
  app.post('/taxonomies/enable/:id', toggleTaxonomy(true));
  app.post('/taxonomies/disable/:id', toggleTaxonomy(false));

  const galaxyIndex = async (request: FastifyRequest) => (await listGalaxies(store, searchOf(request, 'value'))).map((g) => ({ Galaxy: galaxyDocument(g) }));
  app.get('/galaxies', galaxyIndex);
  app.post('/galaxies', galaxyIndex);
  app.get('/galaxies/index', galaxyIndex);
  app.post('/galaxies/index', galaxyIndex);
  app.get('/galaxies/view/:id', async (request: IdRequest) => {
    const galaxy = await galaxyByRef(store, request.params.id);
    if (!galaxy) throw notFound('galaxy');
    return { Galaxy: galaxyDocument(galaxy), GalaxyCluster: (await clustersOfGalaxy(store, viewerOf(userOf(request)), galaxy.id)).map(clusterDocument) };
  });
  const clusterIndex = async (request: IdRequest) => {
    const galaxy = await galaxyByRef(store, request.params.id);
    if (!galaxy) throw notFound('galaxy');
    const body = request.body && typeof request.body === 'object' ? request.body as Record<string, unknown> : {};
    const context = textField(body, 'context');
    if (context !== undefined && !['all', 'default', 'custom', 'org', 'orgc', 'deleted'].includes(context)) {
      throw new ApiError(400, 'Invalid context', { errors: { context: ['one of all, default, custom, org, orgc, deleted'] } });
    }
    const limit = countField(body.limit, 'limit', 1000);
    const clusters = await clustersOfGalaxy(store, viewerOf(userOf(request)), galaxy.id,
      { search: searchOf(request, 'searchall'), limit, context: (context ?? 'all') as ClusterContext });
    return clusters.map((c) => ({ GalaxyCluster: clusterDocument(c) }));
  };
  app.get('/galaxy_clusters/index/:id', clusterIndex);
  app.post('/galaxy_clusters/index/:id', clusterIndex);
  app.get('/galaxy_clusters/view/:id', async (request: IdRequest) => {
    const cluster = await clusterByRef(store, viewerOf(userOf(request)), request.params.id);
    if (!cluster) throw notFound('galaxy cluster');
    return clusterView(store, cluster);
  });

  const templateIndex = async () => (await listObjectTemplates(store)).map((t) => ({ ObjectTemplate: templateDocument(t.id, t.template) }));
  app.get('/objectTemplates', templateIndex);
  app.get('/objectTemplates/index', templateIndex);
  app.get('/objectTemplates/view/:id', async (request: IdRequest) => {
    const found = await objectTemplateByRef(store, request.params.id);
    if (!found) throw notFound('object template');
    return { ObjectTemplate: templateDocument(found.id, found.template), ObjectTemplateElement: templateElements(found.id, found.template) };
  });
  app.get('/objectTemplates/getRaw/:id', async (request: IdRequest) => {
    const found = await objectTemplateByRef(store, request.params.id);
    if (!found) throw notFound('object template');
    return found.template.definition;
  });

  const noticelistIndex = async () => (await listNoticelists(store)).map((n) => ({ Noticelist: noticelistDocument(n.id, n.enabled, n.list) }));
  app.get('/noticelists', noticelistIndex);
  app.get('/noticelists/index', noticelistIndex);
  const noticelistView = async (ref: string) => {
    const n = await noticelistByRef(store, ref);
    if (!n) throw notFound('noticelist');
    return {
      Noticelist: {
        ...noticelistDocument(n.id, n.enabled, n.list),
        NoticelistEntry: n.list.notices.map((data, i) => ({ id: String(i + 1), noticelist_id: String(n.id), data })),
      },
    };
  };
  app.get('/noticelists/view/:id', async (request: IdRequest) => noticelistView(request.params.id));
  const setNoticelist = async (request: FastifyRequest, ref: string, enabled: (current: boolean) => boolean) => {
    refuseUnless(mayToggleNoticelists(userOf(request)), lacking('perm_site_admin'));
    const n = await noticelistByRef(store, ref);
    if (!n) throw notFound('noticelist');
    const on = enabled(n.enabled);
    await setNoticelistEnabled(store, n.id, on);
    return { id: n.id, on };
  };
  // MISP's enableNoticelist answers with a redirect to the list's view, which clients follow: the list as it now is.
  app.post<{ Params: { id: string; enable: string } }>('/noticelists/enableNoticelist/:id/:enable', async (request) =>
    noticelistView(String((await setNoticelist(request, request.params.id, () => ['1', 'true'].includes(request.params.enable))).id)));
  app.post('/noticelists/enableNoticelist/:id', async (request: IdRequest) =>
    noticelistView(String((await setNoticelist(request, request.params.id, () => false)).id)));
  app.post('/noticelists/toggleEnable/:id', async (request: IdRequest) => {
    const { id, on } = await setNoticelist(request, request.params.id, (current) => !current);
    return saved(`Noticelist ${on ? 'enabled' : 'disabled'}.`, request.url.split('?')[0]!, id);
  });
}
