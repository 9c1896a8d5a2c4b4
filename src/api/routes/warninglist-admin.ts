import type { FastifyInstance, FastifyRequest } from 'fastify';
import { mayManageWarninglists } from '../../access/policy/correlation.js';
import { WARNINGLIST_TYPES, type WarninglistType } from '../../correlation/warninglists/format.js';
import {
  addCustomWarninglist, deleteCustomWarninglist, editCustomWarninglist, listWarninglists, type CustomWarninglist, type WarninglistInfo,
} from '../../store/libraries/warninglists.js';
import { modelBody, saved, textField, type Fields } from '../body.js';
import { ApiError } from '../errors.js';
import { documented } from '../openapi.js';
import { WARNINGLIST_ADD, WARNINGLIST_EDIT } from '../schemas/bodies.js';
import { lacking, refuseUnless, userOf } from '../session.js';
import type { ApiContext } from '../context.js';
import { warninglistView } from './correlation-admin.js';

type IdRequest = FastifyRequest<{ Params: { id: string } }>;
type Errors = Record<string, string[]>;

/** The values as MISP's warninglists/add takes them: a list (of values or {value, comment}), or text with one a line, `# comment` dropped. */
function entriesOf(v: unknown): string[] {
  if (Array.isArray(v)) {
    return v.map((e) => (e && typeof e === 'object' ? String((e as Fields).value ?? '') : String(e)).trim()).filter(Boolean);
  }
  if (typeof v !== 'string') return [];
  return v.trim().split('\n').map((line) => line.split('#', 1)[0]!.trim()).filter(Boolean);
}

/**
 * A warninglist body checked as MISP's Warninglist model does: every field on add, those given on edit.
 * Errors come by field, in MISP's words.
 */
function warninglistOf(f: Fields, whole: boolean): { list: Partial<CustomWarninglist>; errors: Errors } {
  const errors: Errors = {};
  const list: Partial<CustomWarninglist> = {};
  const text = (name: 'name' | 'description', label: string) => {
    if (!whole && f[name] === undefined) return;
    const v = textField(f, name) ?? '';
    if (!v) errors[name] = [`${label} cannot be empty.`];
    else list[name] = v;
  };
  text('name', 'Name');
  text('description', 'Description');
  if (whole || f.type !== undefined) {
    const type = textField(f, 'type') ?? '';
    if ((WARNINGLIST_TYPES as readonly string[]).includes(type)) list.type = type as WarninglistType;
    else errors.type = [`Type must be one of ${WARNINGLIST_TYPES.join(', ')}.`];
  }
  if (whole || f.category !== undefined) {
    const category = textField(f, 'category') || 'false_positive';
    if (category === 'false_positive' || category === 'known') list.category = category;
    else errors.category = ['Category must be false_positive or known.'];
  }
  if (whole || f.entries !== undefined) {
    const entries = entriesOf(f.entries);
    if (entries.length === 0) errors.entries = ['Entries cannot be empty.'];
    else list.list = entries;
  }
  const matching = f.matching_attributes;
  if (whole || matching !== undefined) {
    const types = (Array.isArray(matching) ? matching : typeof matching === 'string' && matching ? matching.split(',') : []).map((t) => String(t).trim()).filter(Boolean);
    list.matchingAttributes = types.length ? types : ['ALL'];
  }
  return { list, errors };
}

/** Warninglists of the instance's own, as MISP's warninglists/add, edit and delete; the loaded (default) ones are not changed. */
export async function warninglistAdminRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store } = ctx;
  documented(app, 'Correlation and warninglists', {
    'POST /warninglists/add': { summary: 'Make a warninglist of this instance\'s own, enabled (perm_warninglist)', body: WARNINGLIST_ADD },
    'POST /warninglists/edit/:id': { summary: 'Change a warninglist made here (not a default one): a new version', body: WARNINGLIST_EDIT },
    'POST /warninglists/delete/:id': { summary: 'Delete a warninglist made here (not a default one)' },
  });

  const custom = async (request: IdRequest): Promise<WarninglistInfo> => {
    refuseUnless(mayManageWarninglists(userOf(request)), lacking('perm_warninglist'));
    const w = (await listWarninglists(store)).find((x) => String(x.id) === request.params.id);
    // MISP finds only non-default lists to edit: a default one is no list here.
    if (!w || !w.custom) throw new ApiError(404, 'Invalid Warninglist.');
    return w;
  };
  const view = async (id: number) => warninglistView(store, (await listWarninglists(store)).find((x) => x.id === id)!);

  app.post('/warninglists/add', async (request) => {
    refuseUnless(mayManageWarninglists(userOf(request)), lacking('perm_warninglist'));
    const fail = (errors: Errors) => new ApiError(403, 'Could not add warninglist', { saved: false, errors });
    const { list, errors } = warninglistOf(modelBody(request.body, 'Warninglist', 'Could not add warninglist'), true);
    if (Object.keys(errors).length) throw fail(errors);
    const id = await addCustomWarninglist(store, list as CustomWarninglist);
    if (id === undefined) throw fail({ name: ['Warninglist with same name already exists.'] });
    return view(id);
  });
  app.post('/warninglists/edit/:id', async (request: IdRequest) => {
    const w = await custom(request);
    const fail = (errors: Errors) => new ApiError(403, 'Could not edit warninglist', { saved: false, errors });
    const { list, errors } = warninglistOf(modelBody(request.body, 'Warninglist', 'Could not edit warninglist'), false);
    if (Object.keys(errors).length) throw fail(errors);
    if (!(await editCustomWarninglist(store, w.id, list))) throw fail({ name: ['Warninglist with same name already exists.'] });
    return view(w.id);
  });
  app.post('/warninglists/delete/:id', async (request: IdRequest) => {
    const w = await custom(request);
    await deleteCustomWarninglist(store, w.id);
    return saved('Warninglist successfully deleted.', request.url.split('?')[0]!, w.id);
  });
}
