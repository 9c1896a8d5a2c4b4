import type { FastifyInstance, FastifyRequest } from 'fastify';
import { readAnalystItem } from '../../formats/misp-json/analyst-data.js';
import { isAnalystKind, type AnalystData, type AnalystKind } from '../../model/analyst-data.js';
import { isUuid } from '../../model/event.js';
import { analystDataFacts, findAnalystData, deleteAnalystData, type AnalystDataRow } from '../../store/analyst-data.js';
import type { User } from '../../store/access/users.js';
import { mayAddAnalystData, mayEditAnalystData } from '../../access/policy/analyst-data.js';
import { viewerOf } from '../../access/viewer.js';
import { captureAnalystData } from '../../services/analyst-data/capture.js';
import { analystJson, analystWithChildren } from '../../services/analyst-data/document.js';
import { saved, type Fields } from '../body.js';
import { ApiError, notFound } from '../errors.js';
import { lacking, refuseUnless, userOf } from '../session.js';
import { documented } from '../openapi.js';
import { ANALYST_DATA_BODY } from '../schemas/bodies.js';
import type { ApiContext } from '../context.js';

type Params = { type: string; id: string };

/** The kind an address names; `all` (with a uuid) means whichever kind holds it. */
function kindOf(type: string, allowAll: boolean): AnalystKind | 'all' {
  if (isAnalystKind(type)) return type;
  if (allowAll && type === 'all') return 'all';
  throw new ApiError(404, 'Invalid analyst data type; use Note, Opinion or Relationship.');
}

/** MISP refuses a change by another organisation with a 405. */
const NOT_YOURS = () => new ApiError(405, 'You are not authorised to do that.');

export async function analystDataRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store } = ctx;
  documented(app, 'Analyst data', {
    'GET /analyst_data/index/:type': { summary: 'The notes, opinions or relationships you may see; uuid (a list) keeps those' },
    'GET /analyst_data/view/:type/:id': { summary: 'One note, opinion or relationship by id or uuid (type `all` with a uuid), with what is attached to it' },
    'POST /analyst_data/add/:type': { summary: 'Add a note, opinion or relationship; object_uuid and object_type in the body', body: ANALYST_DATA_BODY },
    'POST /analyst_data/add/:type/:object_uuid': { summary: 'Add one to the element of that uuid', body: ANALYST_DATA_BODY },
    'POST /analyst_data/add/:type/:object_uuid/:object_type': { summary: 'Add one to the element of that uuid and type', body: ANALYST_DATA_BODY },
    'POST /analyst_data/edit/:type/:id': { summary: 'Change one of your organisation\'s; notes and opinions in the body are added to it', body: ANALYST_DATA_BODY },
    'PUT /analyst_data/edit/:type/:id': { summary: 'Change one (as POST)', body: ANALYST_DATA_BODY },
    'POST /analyst_data/delete/:type/:id': { summary: 'Delete one of your organisation\'s for good (what is attached to it stays)' },
    'DELETE /analyst_data/delete/:type/:id': { summary: 'Delete one (as POST)' },
  });

  /** The item an address names, as the user may see it; a 404 when there is none for him. */
  const named = async (user: User, type: string, id: string): Promise<AnalystDataRow> => {
    const kind = kindOf(type, true);
    if (kind === 'all' && !isUuid(id.toLowerCase())) throw notFound('analyst data');
    const [row] = await findAnalystData(store, viewerOf(user), { ref: id, ...(kind === 'all' ? {} : { kind }) });
    if (!row) throw notFound(kind === 'all' ? 'analyst data' : kind.toLowerCase());
    return row;
  };

  /** Reads the body as one item of the kind, with the notes and opinions it carries; refused in MISP's shape when it cannot be read. */
  const readBody = (kind: AnalystKind, body: unknown, fixed: Fields): AnalystData[] => {
    const raw = (body ?? {}) as Fields;
    const inner = typeof raw[kind] === 'object' && raw[kind] !== null ? (raw[kind] as Fields) : raw;
    const items = readAnalystItem({ ...inner, ...fixed }, kind);
    if (items.length === 0) {
      const needs = kind === 'Note' ? 'note' : kind === 'Opinion' ? 'opinion (0–100)' : 'related_object_uuid and related_object_type';
      throw new ApiError(403, `The ${kind} could not be saved.`, { errors: { [kind]: [`a ${kind} needs object_uuid, a valid object_type and ${needs}`] } });
    }
    return items;
  };

  const store_ = async (user: User, items: AnalystData[]) => {
    const result = await captureAnalystData(store, { kind: 'user', user }, items, { fromRequest: true });
    const own = result.skipped.find((s) => s.uuid === items[0]!.uuid);
    if (own) throw new ApiError(403, `The ${items[0]!.kind} could not be saved.`, { errors: { [items[0]!.kind]: [own.reason] } });
  };

  const add = async (request: FastifyRequest<{ Params: { type: string; object_uuid?: string; object_type?: string } }>) => {
    const user = userOf(request);
    refuseUnless(mayAddAnalystData(user), lacking('perm_add'));
    const kind = kindOf(request.params.type, false) as AnalystKind;
    const fixed: Fields = {};
    if (request.params.object_uuid !== undefined) fixed.object_uuid = request.params.object_uuid;
    if (request.params.object_type !== undefined) fixed.object_type = request.params.object_type;
    const items = readBody(kind, request.body, fixed);
    if (await analystDataFacts(store, items[0]!.uuid)) throw new ApiError(403, `The ${kind} could not be saved.`, { errors: { uuid: ['this uuid is taken; edit the item instead'] } });
    await store_(user, items);
    const row = await named(user, kind, items[0]!.uuid);
    return { [kind]: await analystWithChildren(store, viewerOf(user), row) };
  };
  app.post('/analyst_data/add/:type', add);
  app.post('/analyst_data/add/:type/:object_uuid', add);
  app.post('/analyst_data/add/:type/:object_uuid/:object_type', add);

  const edit = async (request: FastifyRequest<{ Params: Params }>) => {
    const user = userOf(request);
    const current = await named(user, request.params.type, request.params.id);
    if (!mayEditAnalystData(user, { orgcId: current.orgc.id })) throw NOT_YOURS();
    // What the body names replaces what is stored; the element it is attached to, its uuid and its creator stay.
    // Notes and opinions the body carries are read as attached to it, and stored with it.
    const raw = (request.body ?? {}) as Fields;
    const body = (typeof raw[current.kind] === 'object' && raw[current.kind] !== null ? raw[current.kind] : raw) as Fields;
    const { SharingGroup: _group, Org: _org, Orgc: _orgc, ...stored } = analystJson(current);
    const merged: Fields = { ...stored, ...body, uuid: current.uuid, object_uuid: current.objectUuid, object_type: current.objectType, orgc_uuid: current.orgc.uuid };
    delete merged.Orgc;
    if (body.sharing_group_id === undefined && current.sharingGroup) merged.sharing_group_id = current.sharingGroup.id;
    else delete merged.SharingGroup;
    await store_(user, readBody(current.kind, merged, {}));
    return { [current.kind]: await analystWithChildren(store, viewerOf(user), await named(user, current.kind, current.uuid)) };
  };
  app.post('/analyst_data/edit/:type/:id', edit);
  app.put('/analyst_data/edit/:type/:id', edit);

  app.get<{ Params: Params }>('/analyst_data/view/:type/:id', async (request) => {
    const user = userOf(request);
    const row = await named(user, request.params.type, request.params.id);
    return { [row.kind]: await analystWithChildren(store, viewerOf(user), row) };
  });

  // A syncing instance asks for the items it lacks by uuid: /analyst_data/index/Note/uuid[]:…/uuid[]:….json.
  app.get<{ Params: { type: string }; Querystring: { uuid?: string | string[] } }>('/analyst_data/index/:type', async (request) => {
    const user = userOf(request);
    const kind = kindOf(request.params.type, false) as AnalystKind;
    const asked = request.query.uuid === undefined ? undefined : (Array.isArray(request.query.uuid) ? request.query.uuid : [request.query.uuid]).map((u) => u.toLowerCase());
    if (asked && asked.some((u) => !isUuid(u))) throw new ApiError(400, 'uuid must name notes, opinions or relationships by uuid');
    const rows = await findAnalystData(store, viewerOf(user), { kind, ...(asked ? { uuids: asked } : {}) });
    return rows.map((r) => ({ [kind]: analystJson(r) }));
  });

  const remove = async (request: FastifyRequest<{ Params: Params }>) => {
    const user = userOf(request);
    const current = await named(user, request.params.type, request.params.id);
    if (!mayEditAnalystData(user, { orgcId: current.orgc.id })) throw NOT_YOURS();
    await deleteAnalystData(store, current.id);
    return saved(`${current.kind} deleted.`, request.url.split('?')[0]!);
  };
  app.post('/analyst_data/delete/:type/:id', remove);
  app.delete('/analyst_data/delete/:type/:id', remove);
}
