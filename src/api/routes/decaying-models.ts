import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  mayDeleteDecayingModel, mayEditDecayingModel, mayMakeDecayingModels, mayUpdateDecayingModels,
} from '../../access/policy/decaying-models.js';
import { viewerOf } from '../../access/viewer.js';
import { decayFormula, decayParameters } from '../../model/decaying-model.js';
import { isKnownType } from '../../model/types.js';
import { decayingModelDocument, decayingModelFields } from '../../services/decay/documents.js';
import { updateDecayingModels } from '../../services/decay/library.js';
import type { User } from '../../store/access/users.js';
import { hostOrganisationId } from '../../store/access/organisations.js';
import {
  addDecayingModel, deleteDecayingModel, editDecayingModel, findDecayingModel, linkAttributeTypes, listDecayingModels, modelTypes,
  type DecayingModelChanges, type DecayingModelFilter, type DecayingModelRecord,
} from '../../store/decaying-models.js';
import { countField, flagField, modelBody, saved, textField, type Fields } from '../body.js';
import { ApiError } from '../errors.js';
import { documented } from '../openapi.js';
import { DECAYING_MAPPING_BODY, DECAYING_MODEL_BODY } from '../schemas/bodies.js';
import { lacking, refuseUnless, userOf } from '../session.js';
import type { ApiContext } from '../context.js';

const NO_MODEL = 'No Decaying Model with the provided ID exists';
const FAILURE = 'The model could not be saved. Please try again.';

/** A refusal of a model body, naming the field and its problem (MISP's validation shape). */
const invalid = (field: string, problem: string) =>
  new ApiError(403, `${FAILURE} ${problem.startsWith(field) ? problem : `${field}: ${problem}`}`, { errors: { [field]: [problem] } });

/** A list sent as a list or as its JSON text (MISP's forms post JSON text); undefined when absent. */
function textList(raw: unknown, field: string): string[] | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  let v = raw;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      v = [v];
    }
  }
  // PHP writes a list as an object at times.
  if (v && typeof v === 'object' && !Array.isArray(v)) v = Object.values(v);
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw invalid(field, 'must be a list of texts');
  return (v as string[]).map((x) => x.trim()).filter(Boolean);
}

function attributeTypes(raw: unknown, field: string): string[] | undefined {
  const types = textList(raw, field);
  const unknown = types?.find((t) => !isKnownType(t));
  if (unknown !== undefined) throw invalid(field, `"${unknown}" is not an attribute type`);
  return types;
}

/** A model's fields as an add or an import sends them, checked. */
function newModel(raw: Fields, user: User) {
  const name = textField(raw, 'name');
  if (!name) throw invalid('name', 'The model must have a name');
  const formula = decayFormula(raw.formula ?? 'Polynomial');
  if (!formula) throw invalid('formula', `must be Polynomial, PolynomialExtended or Sightings, not ${JSON.stringify(raw.formula)}`);
  const parameters = decayParameters(raw.parameters);
  if (typeof parameters === 'string') throw invalid('parameters', parameters);
  return {
    name, description: textField(raw, 'description') ?? '', formula, parameters, ref: textList(raw.ref, 'ref') ?? [],
    orgId: user.org.id, enabled: flagField(raw, 'enabled') ?? false, allOrgs: flagField(raw, 'all_orgs') ?? true,
    types: attributeTypes(raw.attribute_types, 'attribute_types') ?? [],
  };
}

/** The `{"DecayingModel": …}` of a body, or the body itself; attribute_types may sit beside it, as MISP's add reads them. */
function modelFields(body: unknown): Fields {
  const raw = modelBody(body, 'DecayingModel', FAILURE);
  const outer = body as Fields;
  return raw !== outer && outer.attribute_types !== undefined && raw.attribute_types === undefined ? { ...raw, attribute_types: outer.attribute_types } : raw;
}

/**
 * MISP's decaying models of indicators (decayingModel/…) and the attribute types linked to them
 * (decayingModelMapping/…): a model scores the attributes of its types in restSearch's includeDecayScore.
 * Everyone sees his organisation's models and those shown to all; perm_decaying makes and changes his
 * organisation's; the library's models (decayingModel/update, from CAIRN_LIBRARIES) are the site admins'.
 */
export async function decayingModelRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store, libraryDirs } = ctx;
  documented(app, 'Decaying models', {
    'GET /decayingModel/index': { summary: 'The decaying models you may see, newest first (my_models, default_models, all_orgs, limit, page)' },
    'GET /decayingModel/getAllDecayingModels': { summary: 'The decaying models you may see, each saying whether you may change it' },
    'GET /decayingModel/view/:id': { summary: 'One decaying model, with the attribute types it scores' },
    'GET /decayingModel/export/:id': { summary: 'A decaying model as a file to import elsewhere (no id, uuid nor organisation)' },
    'POST /decayingModel/add': { summary: 'Make a decaying model of your organisation (perm_decaying)', body: DECAYING_MODEL_BODY },
    'POST /decayingModel/import': { summary: 'Make a decaying model of your organisation from an exported one (perm_decaying)', body: DECAYING_MODEL_BODY },
    'POST /decayingModel/edit/:id': { summary: 'Change a model; of the library\'s, only enabled and all_orgs (site admins)', body: DECAYING_MODEL_BODY },
    'POST /decayingModel/delete/:id': { summary: 'Delete a model of your organisation (never the library\'s)' },
    'PUT /decayingModel/edit/:id': { summary: 'decayingModel/edit (as POST)', body: DECAYING_MODEL_BODY },
    'DELETE /decayingModel/delete/:id': { summary: 'decayingModel/delete (as POST)' },
    'POST /decayingModel/enable/:id': { summary: 'Enable a model: it scores searches asking for decay scores' },
    'POST /decayingModel/disable/:id': { summary: 'Disable a model' },
    'POST /decayingModel/update': { summary: 'Reload the library\'s models (misp-decaying-models) from the configured library folders (site admins)' },
    'POST /decayingModel/update/:force': { summary: 'decayingModel/update; with force 1, every library model is refreshed, not only those whose version rose' },
    'GET /decayingModelMapping/viewAssociatedTypes/:id': { summary: 'The attribute types a model scores' },
    'POST /decayingModelMapping/linkAttributeTypeToModel/:id': { summary: 'Set the attribute types linked to a model', body: DECAYING_MAPPING_BODY },
  });

  const url = (request: FastifyRequest) => request.url.split('?')[0]!;
  const id = (raw: string) => {
    if (!/^\d+$/.test(raw)) throw new ApiError(404, NO_MODEL);
    return Number(raw);
  };
  /** A model the user may see, or MISP's 404. */
  const visible = async (user: User, raw: string) => {
    const m = await findDecayingModel(store, viewerOf(user), id(raw));
    if (!m) throw new ApiError(404, NO_MODEL);
    return m;
  };
  /** A model as it now stands, for the answer of a change. */
  const reread = async (user: User, m: DecayingModelRecord) => {
    const fresh = await visible(user, String(m.id));
    return decayingModelDocument(fresh, mayEditDecayingModel(user, fresh));
  };

  app.get<{ Querystring: Record<string, string | undefined> }>('/decayingModel/index', async (request) => {
    const user = userOf(request);
    const q = request.query;
    const yes = (v: string | undefined) => v !== undefined && v !== '' && v !== '0' && v !== 'false';
    const filter: DecayingModelFilter = {
      ...(yes(q.my_models) ? { orgId: user.org.id } : {}), ...(yes(q.default_models) ? { isDefault: true } : {}), ...(yes(q.all_orgs) ? { allOrgs: true } : {}),
    };
    const models = await listDecayingModels(store, viewerOf(user), filter);
    const limit = q.limit !== undefined ? countField(q.limit, 'limit', models.length || 1) : undefined;
    const page = countField(q.page, 'page', 1);
    const shown = limit !== undefined ? models.slice((page - 1) * limit, page * limit) : models;
    return shown.map((m) => decayingModelDocument(m));
  });
  app.get<{ Querystring: Record<string, string | undefined> }>('/decayingModel/getAllDecayingModels', async (request) => {
    const user = userOf(request);
    const q = request.query;
    const yes = (v: string | undefined) => v !== undefined && v !== '' && v !== '0' && v !== 'false';
    const filter: DecayingModelFilter = yes(q.my_models) ? { orgId: user.org.id } : yes(q.default_models) ? { isDefault: true } : {};
    return (await listDecayingModels(store, viewerOf(user), filter)).map((m) => ({ DecayingModel: decayingModelFields(m, mayEditDecayingModel(user, m)) }));
  });
  app.get<{ Params: { id: string } }>('/decayingModel/view/:id', async (request) => {
    const user = userOf(request);
    const m = await visible(user, request.params.id);
    return decayingModelDocument(m, mayEditDecayingModel(user, m));
  });
  app.get<{ Params: { id: string } }>('/decayingModel/export/:id', async (request) => {
    const user = userOf(request);
    const { id: _id, uuid: _uuid, org_id: _org, ...fields } = decayingModelFields(await visible(user, request.params.id));
    return { DecayingModel: fields };
  });

  const add = (action: 'add' | 'import') => async (request: FastifyRequest) => {
    const user = userOf(request);
    refuseUnless(mayMakeDecayingModels(user), lacking('perm_decaying'));
    let raw = modelFields(request.body);
    // MISP's import form posts the exported file's text as `json`.
    if (action === 'import' && typeof raw.json === 'string') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw.json);
      } catch {
        throw invalid('json', 'Error while decoding JSON');
      }
      raw = modelFields(parsed);
    }
    const made = await addDecayingModel(store, newModel(raw, user));
    const m = await visible(user, String(made));
    return { data: decayingModelDocument(m, mayEditDecayingModel(user, m)), action };
  };
  app.post('/decayingModel/add', add('add'));
  app.post('/decayingModel/import', add('import'));

  const edit = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const user = userOf(request);
    refuseUnless(mayMakeDecayingModels(user), lacking('perm_decaying'));
    const m = await visible(user, request.params.id);
    refuseUnless(mayEditDecayingModel(user, m), 'You are not authorised to edit this model.');
    const raw = modelFields(request.body);
    const changes: DecayingModelChanges = {};
    const enabled = flagField(raw, 'enabled');
    const allOrgs = flagField(raw, 'all_orgs');
    if (enabled !== undefined) changes.enabled = enabled;
    if (allOrgs !== undefined) changes.allOrgs = allOrgs;
    // Of a library model, only whether it is enabled and shown to all changes, as in MISP.
    let types: string[] | undefined;
    if (!m.isDefault) {
      const name = textField(raw, 'name');
      if (name !== undefined) {
        if (!name) throw invalid('name', 'The model must have a name');
        changes.name = name;
      }
      const description = textField(raw, 'description');
      if (description !== undefined) changes.description = description;
      if (raw.formula !== undefined && raw.formula !== null && raw.formula !== '') {
        const formula = decayFormula(raw.formula);
        if (!formula) throw invalid('formula', `must be Polynomial, PolynomialExtended or Sightings, not ${JSON.stringify(raw.formula)}`);
        changes.formula = formula;
      }
      if (raw.parameters !== undefined && raw.parameters !== null && raw.parameters !== '') {
        const parameters = decayParameters(raw.parameters);
        if (typeof parameters === 'string') throw invalid('parameters', parameters);
        changes.parameters = parameters;
      }
      types = attributeTypes(raw.attribute_types, 'attribute_types');
    }
    await editDecayingModel(store, m.id, changes);
    if (types) await linkAttributeTypes(store, m.id, types);
    return { data: await reread(user, m), action: 'edit' };
  };
  app.post('/decayingModel/edit/:id', edit);
  app.put('/decayingModel/edit/:id', edit);

  const remove = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const user = userOf(request);
    refuseUnless(mayMakeDecayingModels(user), lacking('perm_decaying'));
    const m = await visible(user, request.params.id);
    refuseUnless(mayDeleteDecayingModel(user, m), 'You are not authorised to delete this model.');
    await deleteDecayingModel(store, m.id);
    return saved('Decaying Model deleted.', url(request), m.id);
  };
  app.post('/decayingModel/delete/:id', remove);
  app.delete('/decayingModel/delete/:id', remove);

  for (const action of ['enable', 'disable'] as const) {
    app.post<{ Params: { id: string } }>(`/decayingModel/${action}/:id`, async (request) => {
      const user = userOf(request);
      refuseUnless(mayMakeDecayingModels(user), lacking('perm_decaying'));
      const m = await visible(user, request.params.id);
      refuseUnless(mayEditDecayingModel(user, m), `You are not authorised to ${action} this model.`);
      await editDecayingModel(store, m.id, { enabled: action === 'enable' });
      return { ...saved(`Decaying model ${action}d`, url(request), m.id), data: await reread(user, m) };
    });
  }

  const update = async (request: FastifyRequest<{ Params: { force?: string } }>) => {
    const user = userOf(request);
    refuseUnless(mayUpdateDecayingModels(user), lacking('perm_site_admin'));
    const force = request.params.force !== undefined && !['', '0', 'false'].includes(request.params.force);
    // MISP gives the library's models to the host organisation.
    await updateDecayingModels(store, libraryDirs, (await hostOrganisationId(store)) ?? user.org.id, force);
    return saved('Default decaying models updated', url(request));
  };
  app.post('/decayingModel/update', update);
  app.post('/decayingModel/update/:force', update);

  app.get<{ Params: { id: string } }>('/decayingModelMapping/viewAssociatedTypes/:id', async (request) =>
    modelTypes(await visible(userOf(request), request.params.id)));
  app.post<{ Params: { id: string } }>('/decayingModelMapping/linkAttributeTypeToModel/:id', async (request) => {
    const user = userOf(request);
    refuseUnless(mayMakeDecayingModels(user), lacking('perm_decaying'));
    const m = await visible(user, request.params.id);
    refuseUnless(mayEditDecayingModel(user, m), 'You are not authorised to edit this model.');
    const raw = modelBody(request.body, 'DecayingModelMapping', 'The model must link to at least one attribute type');
    const types = attributeTypes(raw.attributetypes ?? raw.attribute_types, 'attributetypes');
    if (!types?.length) throw invalid('attributetypes', 'The model must link to at least one attribute type');
    await linkAttributeTypes(store, m.id, types);
    // MISP answers the types linked.
    return types;
  });
}
