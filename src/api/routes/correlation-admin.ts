import type { FastifyInstance, FastifyRequest } from 'fastify';
import { addExclusion, listExclusions, removeExclusion, type CorrelationExclusion } from '../../store/correlations/exclusions.js';
import { listWarninglists, setWarninglistsEnabled, warninglistEntries, type WarninglistInfo } from '../../store/libraries/warninglists.js';
import { flagField, modelBody, saved, textField, type Fields } from '../body.js';
import { ApiError, notFound } from '../errors.js';
import { lacking, refuseUnless, userOf } from '../session.js';
import { mayManageCorrelationExclusions, mayToggleWarninglists } from '../../access/policy/correlation.js';
import { documented } from '../openapi.js';
import { CorrelationExclusions, Warninglists } from '../schemas/answers.js';
import { CHECK_VALUE, EXCLUSION_BODY, WARNINGLIST_TOGGLE } from '../schemas/bodies.js';
import type { ApiContext } from '../context.js';
import type { Store } from '../../store/db/database.js';

/** A warninglist as MISP's view answers: with its values and the attribute types it applies to. */
export async function warninglistView(store: Store, w: WarninglistInfo) {
  const id = String(w.id);
  return {
    Warninglist: {
      ...warninglistDocument(w),
      WarninglistEntry: ((await warninglistEntries(store, w.id)) ?? []).map((value, i) => ({ id: String(i + 1), value, warninglist_id: id, comment: null })),
      WarninglistType: w.matchingAttributes.map((type, i) => ({ id: String(i + 1), type, warninglist_id: id })),
    },
  };
}

function exclusionDocument(e: CorrelationExclusion) {
  return { CorrelationExclusion: { id: String(e.id), value: e.value, from_json: false, comment: e.comment } };
}

export function warninglistDocument(w: WarninglistInfo) {
  return {
    id: String(w.id), name: w.name, type: w.type, description: w.description, version: String(w.version), enabled: w.enabled,
    default: !w.custom, category: w.category, warninglist_entry_count: String(w.entries), valid_attributes: w.matchingAttributes.join(', '),
  };
}

/** The values of a checkValue request: a list, one value, or `{"value": …}` with either. */
function valuesOf(body: unknown): string[] {
  const raw = Array.isArray(body) ? body : body && typeof body === 'object' ? (body as Fields).value ?? (body as Fields).values : body;
  const list = Array.isArray(raw) ? raw : raw === undefined || raw === null ? [] : [raw];
  if (list.length === 0 || list.some((v) => typeof v !== 'string' && typeof v !== 'number')) {
    throw new ApiError(400, 'checkValue takes a value or a list of values (strings)');
  }
  return list.map((v) => String(v).trim()).filter(Boolean);
}

/**
 * Correlation exclusions (site admins) and warninglists (everyone reads them and checks values; those
 * with perm_warninglist turn them on and off). A change applies to the next request of this server,
 * and to other processes within the settings' few seconds of freshness.
 */
export async function correlationAdminRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store, settings } = ctx;
  documented(app, 'Correlation and warninglists', {
    'GET /correlation_exclusions/index': { summary: 'Values and %-patterns taken out of correlation (site admins)', response: CorrelationExclusions },
    'GET /correlation_exclusions': { summary: 'Values and %-patterns taken out of correlation (as correlation_exclusions/index)', response: CorrelationExclusions },
    'GET /correlation_exclusions/view/:id': { summary: 'One correlation exclusion' },
    'POST /correlation_exclusions/add': { summary: 'Take a value or %-pattern out of correlation, at once', body: EXCLUSION_BODY },
    'POST /correlation_exclusions/delete/:id': { summary: 'Let a value correlate again' },
    'DELETE /correlation_exclusions/delete/:id': { summary: 'Let a value correlate again' },
    'POST /correlation_exclusions/clean': { summary: 'Nothing to clean: exclusions apply as correlations are read' },
    'GET /warninglists': { summary: 'The warninglists loaded, on or off', response: Warninglists },
    'GET /warninglists/index': { summary: 'The warninglists loaded, on or off', response: Warninglists },
    'GET /warninglists/view/:id': { summary: 'One warninglist by id or name, with its values (WarninglistEntry) and the types it applies to' },
    'POST /warninglists/toggleEnable': { summary: 'Turn warninglists on or off (perm_warninglist)', body: WARNINGLIST_TOGGLE },
    'POST /warninglists/checkValue': { summary: 'The enabled lists each value is on; values on none are left out', body: CHECK_VALUE },
  });
  const exclusionIndex = async (request: FastifyRequest) => {
    refuseUnless(mayManageCorrelationExclusions(userOf(request)), lacking('perm_site_admin'));
    return (await listExclusions(store)).map(exclusionDocument);
  };
  // PyMISP lists them at the bare path; MISP routes it to the index.
  app.get('/correlation_exclusions', exclusionIndex);
  app.get('/correlation_exclusions/index', exclusionIndex);
  app.get<{ Params: { id: string } }>('/correlation_exclusions/view/:id', async (request) => {
    refuseUnless(mayManageCorrelationExclusions(userOf(request)), lacking('perm_site_admin'));
    const e = (await listExclusions(store)).find((x) => String(x.id) === request.params.id);
    if (!e) throw notFound('correlation exclusion');
    return exclusionDocument(e);
  });
  app.post('/correlation_exclusions/add', async (request) => {
    refuseUnless(mayManageCorrelationExclusions(userOf(request)), lacking('perm_site_admin'));
    const raw = modelBody(request.body, 'CorrelationExclusion', 'The correlation exclusion could not be saved.');
    const value = textField(raw, 'value');
    if (!value) throw new ApiError(403, 'The correlation exclusion could not be saved.', { errors: { value: ['a value, or a pattern with %, is required'] } });
    if (!(await addExclusion(store, value, textField(raw, 'comment') ?? ''))) {
      throw new ApiError(403, 'The correlation exclusion could not be saved.', { errors: { value: [`"${value}" is excluded already`] } });
    }
    return exclusionDocument((await listExclusions(store)).find((e) => e.value === value)!);
  });
  const remove = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    refuseUnless(mayManageCorrelationExclusions(userOf(request)), lacking('perm_site_admin'));
    const e = (await listExclusions(store)).find((x) => String(x.id) === request.params.id);
    if (!e) throw notFound('correlation exclusion');
    await removeExclusion(store, e.value);
    return saved('Correlation exclusion deleted.', request.url.split('?')[0] ?? '', e.id);
  };
  app.post('/correlation_exclusions/delete/:id', remove);
  app.delete('/correlation_exclusions/delete/:id', remove);
  // Cairn keeps no pair table to clean: exclusions apply as correlations are read.
  app.post('/correlation_exclusions/clean', async (request) => {
    refuseUnless(mayManageCorrelationExclusions(userOf(request)), lacking('perm_site_admin'));
    return saved('Correlations cleaned: exclusions apply as correlations are read.', request.url.split('?')[0] ?? '');
  });

  const index = async (request: FastifyRequest) => {
    userOf(request);
    return { Warninglists: (await listWarninglists(store)).map((w) => ({ Warninglist: warninglistDocument(w) })) };
  };
  app.get('/warninglists', index);
  app.get('/warninglists/index', index);
  app.get<{ Params: { id: string } }>('/warninglists/view/:id', async (request) => {
    userOf(request);
    const w = (await listWarninglists(store)).find((x) => String(x.id) === request.params.id || x.name === request.params.id);
    if (!w) throw notFound('warninglist');
    return warninglistView(store, w);
  });

  // toggleEnable takes ids or names, one or a list, and `enabled` (absent: each list named is flipped).
  app.post('/warninglists/toggleEnable', async (request) => {
    const user = userOf(request);
    refuseUnless(mayToggleWarninglists(user), lacking('perm_warninglist'));
    const body = (request.body ?? {}) as Fields;
    const asList = (v: unknown) => (v === undefined || v === null ? [] : (Array.isArray(v) ? v : [v]).map((x) => String(x).trim()));
    const all = await listWarninglists(store);
    const wanted = [...asList(body.id), ...asList(body.name)];
    // A name is matched as MISP matches it, by SQL's LIKE on lower case: `%dns resolv%` names every list whose name holds that.
    const like = (pattern: string) => new RegExp(`^${pattern.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.')}$`, 's');
    const patterns = asList(body.name).map(like);
    const named = all.filter((w) => asList(body.id).includes(String(w.id)) || patterns.some((p) => p.test(w.name.toLowerCase())));
    if (named.length === 0) throw new ApiError(404, `No warninglist ${wanted.length ? wanted.join(', ') : '(give id or name)'}`);
    const enabled = flagField(body, 'enabled');
    if (enabled !== undefined) {
      await setWarninglistsEnabled(store, named.map((w) => w.name), enabled);
      return { saved: true, success: `${named.length} warninglist(s) ${enabled ? 'enabled' : 'disabled'}` };
    }
    // Without `enabled`, each list named is flipped, as in MISP; several flipped are said to be "toggled".
    const [on, off] = [named.filter((w) => w.enabled), named.filter((w) => !w.enabled)];
    if (on.length) await setWarninglistsEnabled(store, on.map((w) => w.name), false);
    if (off.length) await setWarninglistsEnabled(store, off.map((w) => w.name), true);
    return { saved: true, success: `${named.length} warninglist(s) ${named.length > 1 ? 'toggled' : on.length ? 'disabled' : 'enabled'}` };
  });

  // checkValue answers, for each value on an enabled list, the lists it is on; values on none are left out, as in MISP.
  app.post('/warninglists/checkValue', async (request) => {
    userOf(request);
    const values = valuesOf(request.body);
    const lists = (await settings.correlation()).warninglists;
    const ids = new Map((await listWarninglists(store)).map((w) => [w.name, w.id]));
    const out: Record<string, Array<{ id: string; name: string }>> = {};
    for (const v of values) {
      const hits = lists?.check(v) ?? [];
      // In id order, as MISP lists them (the order the libraries were loaded in).
      if (hits.length > 0) out[v] = hits.map((h) => ({ id: ids.get(h.name) ?? 0, name: h.name })).sort((a, b) => a.id - b.id).map((h) => ({ id: String(h.id), name: h.name }));
    }
    return out;
  });
}
