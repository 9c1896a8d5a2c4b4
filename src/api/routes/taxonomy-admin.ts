import type { FastifyInstance, FastifyRequest } from 'fastify';
import { taxonomyTags } from '../../libraries/taxonomy.js';
import { setTaxonomyFlag, taxonomyByRef } from '../../store/libraries/taxonomies.js';
import { hideTags, saveLibraryTags } from '../../store/tags.js';
import { mayToggleTaxonomies } from '../../access/policy/libraries.js';
import { flagField, idField, saved, textField } from '../body.js';
import { ApiError, notFound } from '../errors.js';
import { taxonomyExport } from '../library-documents.js';
import { documented } from '../openapi.js';
import { TAXONOMY_ADD_TAG, TAXONOMY_HIGHLIGHTED, TAXONOMY_REQUIRED } from '../schemas/bodies.js';
import { lacking, refuseUnless, userOf } from '../session.js';
import type { ApiContext } from '../context.js';

type Fields = Record<string, unknown>;
type IdRequest = FastifyRequest<{ Params: { id: string } }>;

const bodyOf = (request: FastifyRequest): Fields =>
  (request.body && typeof request.body === 'object' && !Array.isArray(request.body) ? request.body : {}) as Fields;

/** The tag names an addTag body asks for: `nameList` (a list, or MISP's form's JSON text of one) or `name`; none means all. */
function requestedNames(body: Fields): string[] | undefined {
  // MISP's form posts {"Tag": {…}} (or {"Tag": {"request": {…}}}); the schema unwrapped {"Taxonomy": {…}} already.
  let fields = body;
  if (typeof fields.Tag === 'object' && fields.Tag !== null) fields = fields.Tag as Fields;
  if (typeof fields.request === 'object' && fields.request !== null) fields = fields.request as Fields;
  let list: unknown = fields.nameList;
  if (typeof list === 'string') {
    try { list = JSON.parse(list); } catch { throw new ApiError(403, 'The tag(s) could not be saved. Please, try again.', { errors: { nameList: ['must be a JSON list of tag names'] } }); }
  }
  if (list !== undefined && list !== null) {
    if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) {
      throw new ApiError(403, 'The tag(s) could not be saved. Please, try again.', { errors: { nameList: ['must be a list of tag names'] } });
    }
    return list as string[];
  }
  const name = textField(fields, 'name');
  return name ? [name] : undefined;
}

/** The site administrator's work on taxonomies beyond enabling them: their tags, their flags, and their export. */
export async function taxonomyAdminRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store } = ctx;
  documented(app, 'Libraries', {
    'POST /taxonomies/addTag/:id': { summary: 'Make the tags a taxonomy defines (all, or those named), and show any that were hidden (site admins)', body: TAXONOMY_ADD_TAG },
    'POST /taxonomies/addTag': { summary: 'As taxonomies/addTag/{id}, the taxonomy named by taxonomy_id (site admins)', body: TAXONOMY_ADD_TAG },
    'POST /taxonomies/disableTag/:id': { summary: 'Hide the existing tags a taxonomy defines (all, or those named); they stay where they are (site admins)', body: TAXONOMY_ADD_TAG },
    'POST /taxonomies/disableTag': { summary: 'As taxonomies/disableTag/{id}, the taxonomy named by taxonomy_id (site admins)', body: TAXONOMY_ADD_TAG },
    'POST /taxonomies/toggleRequired/:id': { summary: 'Set whether a taxonomy is required (MISP\'s web interface then publishes no event without one of its tags; its API does not check) (site admins)', body: TAXONOMY_REQUIRED },
    'POST /taxonomies/toggleHighlighted/:id': { summary: 'Set whether a taxonomy is highlighted (site admins)', body: TAXONOMY_HIGHLIGHTED },
    'GET /taxonomies/export/:id': { summary: 'A taxonomy by id or namespace in the misp-taxonomies machinetag.json form' },
  });

  /** addTag makes (and shows) a taxonomy's tags, disableTag hides those that exist: MISP's pair of taxonomy tag actions. */
  const onTags = (show: boolean) => async (request: FastifyRequest, ref: string | undefined) => {
    refuseUnless(mayToggleTaxonomies(userOf(request)), lacking('perm_site_admin'));
    const failure = show ? 'The tag(s) could not be saved. Please, try again.' : 'The tag(s) could not be hidden. Please, try again.';
    const found = ref ? await taxonomyByRef(store, ref) : undefined;
    if (!found) throw new ApiError(403, failure, { errors: { taxonomy_id: ['no such taxonomy'] } });
    const names = requestedNames(bodyOf(request));
    // As MISP: a name the taxonomy does not define is passed over, not refused.
    const tags = taxonomyTags(found.taxonomy).filter((t) => !names || names.includes(t.tag));
    if (show) await saveLibraryTags(store, tags.map((t) => ({ name: t.tag, ...(t.colour ? { colour: t.colour } : {}) })));
    else await hideTags(store, tags.map((t) => t.tag));
    return saved(show ? 'The tag(s) has been saved.' : 'The tag(s) has been hidden.', request.url.split('?')[0]!, found.info.id);
  };
  const taxonomyIdOf = (request: FastifyRequest) => {
    const body = bodyOf(request);
    const fields = typeof body.Tag === 'object' && body.Tag !== null ? body.Tag as Fields : body;
    return idField(fields, 'taxonomy_id')?.toString();
  };
  for (const [action, show] of [['addTag', true], ['disableTag', false]] as const) {
    app.post(`/taxonomies/${action}/:id`, async (request: IdRequest) => onTags(show)(request, request.params.id));
    app.post(`/taxonomies/${action}`, async (request) => onTags(show)(request, taxonomyIdOf(request)));
  }

  const toggle = (flag: 'required' | 'highlighted') => async (request: IdRequest) => {
    refuseUnless(mayToggleTaxonomies(userOf(request)), lacking('perm_site_admin'));
    const action = flag === 'required' ? 'toggleRequired' : 'toggleHighlighted';
    const url = request.url.split('?')[0]!;
    const id = /^\d+$/.test(request.params.id) ? Number(request.params.id) : undefined;
    const on = flagField(bodyOf(request), flag);
    if (on === undefined) throw new ApiError(403, `Could not ${action} Taxonomy`, { errors: { [flag]: ['is required: true or false'] } });
    if (id === undefined || !(await setTaxonomyFlag(store, id, flag, on))) throw new ApiError(403, `Could not ${action} Taxonomy`, { errors: 'Invalid Taxonomy' });
    // MISP's generic success words for an action without its own: "Taxonomy toggleRequireded".
    return saved(`Taxonomy ${action}ed`, url, id);
  };
  app.post('/taxonomies/toggleRequired/:id', toggle('required'));
  app.post('/taxonomies/toggleHighlighted/:id', toggle('highlighted'));

  app.get('/taxonomies/export/:id', async (request: IdRequest) => {
    const found = await taxonomyByRef(store, request.params.id);
    if (!found) throw notFound('taxonomy');
    return taxonomyExport(found.taxonomy);
  });
}
