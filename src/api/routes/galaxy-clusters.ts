import type { FastifyInstance, FastifyRequest } from 'fastify';
import { mayChangeCluster, mayEditGalaxies } from '../../access/policy/libraries.js';
import type { User } from '../../access/user.js';
import { viewerOf } from '../../access/viewer.js';
import { findOrganisationById } from '../../store/access/organisations.js';
import { findSharingGroup } from '../../store/access/sharing-groups.js';
import type { Store } from '../../store/db/database.js';
import {
  addCustomCluster, deleteClusterRelation, deleteCustomCluster, editClusterRelation, editCustomCluster, relationOwner, saveClusterRelation,
  setCustomClusterPublished, type CustomClusterFields, type NewRelation,
} from '../../store/libraries/custom-clusters.js';
import { clusterByRef, galaxyByRef, type ClusterInfo } from '../../store/libraries/galaxies.js';
import { flagField, modelBody, saved, textField, type Fields } from '../body.js';
import { ApiError } from '../errors.js';
import { clusterDocument, galaxyDocument, galaxyElements } from '../library-documents.js';
import { documented } from '../openapi.js';
import { GALAXY_CLUSTER_BODY, GALAXY_CLUSTER_DELETE, GALAXY_CLUSTER_RELATION_BODY } from '../schemas/bodies.js';
import { refuseUnless, userOf } from '../session.js';
import type { ApiContext } from '../context.js';
import { organisationDocument } from './organisations.js';

type IdRequest = FastifyRequest<{ Params: { id: string } }>;

const DISTRIBUTIONS = 'Options: Your organisation only, This community only, Connected communities, All communities, Sharing group';

/** A cluster as MISP's galaxy_clusters/view answers: with its galaxy, its elements and, for a custom one, its organisations. */
export async function clusterView(store: Store, cluster: ClusterInfo) {
  const galaxy = await galaxyByRef(store, String(cluster.galaxyId));
  const orgs = cluster.custom
    ? await Promise.all([findOrganisationById(store, cluster.custom.orgId), findOrganisationById(store, cluster.custom.orgcId)]) : [];
  return {
    GalaxyCluster: {
      ...clusterDocument(cluster), ...(galaxy ? { Galaxy: galaxyDocument(galaxy) } : {}), GalaxyElement: galaxyElements(cluster),
      ...(orgs[0] ? { Org: organisationDocument(orgs[0]).Organisation } : {}), ...(orgs[1] ? { Orgc: organisationDocument(orgs[1]).Organisation } : {}),
    },
  };
}

/** A list as MISP clients send one: an array, or an object PHP wrote for one. */
function listOf(v: unknown): Fields[] {
  const items = Array.isArray(v) ? v : v && typeof v === 'object' ? Object.values(v) : [];
  return items.filter((x): x is Fields => typeof x === 'object' && x !== null && !Array.isArray(x));
}

function failure(action: string, model: string, message: string, status = 403): ApiError {
  return new ApiError(status, `Could not ${action} ${model}`, { saved: false, errors: message });
}

/** A distribution 0–4 with its sharing group, which the user must be able to see; undefined when the body names none. */
async function sharingOf(store: Store, user: User, f: Fields, fail: (m: string) => ApiError): Promise<{ distribution: number; sharingGroupId: number | null } | undefined> {
  const raw = textField(f, 'distribution');
  if (raw === undefined || raw === '') return undefined;
  if (!/^[0-4]$/.test(raw)) throw fail(DISTRIBUTIONS);
  const distribution = Number(raw);
  if (distribution !== 4) return { distribution, sharingGroupId: null };
  const sg = Number(textField(f, 'sharing_group_id') ?? NaN);
  const group = Number.isSafeInteger(sg) ? await findSharingGroup(store, viewerOf(user), { id: sg }) : undefined;
  if (!group) throw fail('Invalid sharing group');
  return { distribution, sharingGroupId: group.id };
}

/** Authors as MISP's edit takes them: a list, its JSON, or names separated by commas. */
function authorsOf(v: unknown): string[] | undefined {
  if (v === undefined || v === null || v === '') return v === undefined ? undefined : [];
  if (Array.isArray(v)) return v.map(String);
  const text = String(v);
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed)) return parsed.map(String);
  } catch { /* names separated by commas */ }
  return text.split(',').map((s) => s.trim()).filter(Boolean);
}

/** The elements as key → values: from GalaxyElement, or from `elements` (JSON text, MISP's form); undefined when neither is sent. */
function metaOf(f: Fields, fail: (m: string) => ApiError): Record<string, string[]> | undefined {
  let elements: Fields[] | undefined;
  const text = textField(f, 'elements');
  if (text) {
    try {
      elements = listOf(JSON.parse(text));
    } catch {
      throw fail('Invalid JSON');
    }
  } else if (f.GalaxyElement !== undefined) elements = listOf(f.GalaxyElement);
  if (elements === undefined) return undefined;
  const meta: Record<string, string[]> = {};
  for (const e of elements) {
    const key = textField(e, 'key');
    const value = textField(e, 'value');
    if (!key || value === undefined) throw fail('Each element needs a key and a value');
    (meta[key] ??= []).push(value);
  }
  return meta;
}

/** A relation as galaxy_cluster_relations/add and a cluster's GalaxyClusterRelation give it. */
async function relationOf(store: Store, user: User, r: Fields, fail: (m: string) => ApiError): Promise<NewRelation> {
  const referencedUuid = textField(r, 'referenced_galaxy_cluster_uuid')?.toLowerCase();
  if (!referencedUuid) throw fail('referenced_galaxy_cluster_uuid not provided');
  const target = await clusterByRef(store, viewerOf(user), referencedUuid);
  if (!target) throw fail('Invalid referenced galaxy cluster');
  const type = textField(r, 'referenced_galaxy_cluster_type');
  if (!type) throw fail('referenced_galaxy_cluster_type not provided');
  const sharing = await sharingOf(store, user, r, fail) ?? { distribution: 0, sharingGroupId: null };
  const text = textField(r, 'tags');
  const tags = text ? text.split(',').map((t) => t.trim()).filter(Boolean)
    : listOf(r.Tag ?? r.GalaxyClusterRelationTag).map((t) => textField(t, 'name')).filter((n): n is string => !!n);
  return { referencedUuid: target.uuid, type, ...sharing, tags };
}

/** Custom galaxy clusters and their relations, as MISP 2.5's galaxy_clusters and galaxy_cluster_relations. */
export async function galaxyClusterRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store } = ctx;
  documented(app, 'Libraries', {
    'POST /galaxy_clusters/add/:id': { summary: 'Make a cluster of your organisation in a galaxy (by id or uuid); unpublished (galaxy editors)', body: GALAXY_CLUSTER_BODY },
    'POST /galaxy_clusters/edit/:id': { summary: 'Change a custom cluster: its fields, elements (replaced) and relations (added or changed); unpublishes it', body: GALAXY_CLUSTER_BODY },
    'POST /galaxy_clusters/publish/:id': { summary: 'Publish a custom cluster' },
    'POST /galaxy_clusters/unpublish/:id': { summary: 'Unpublish a custom cluster' },
    'POST /galaxy_clusters/delete/:id': { summary: 'Delete a custom cluster: soft (kept, marked deleted) or, with hard, for good', body: GALAXY_CLUSTER_DELETE },
    'POST /galaxy_cluster_relations/add': { summary: 'Relate a custom cluster (galaxy_cluster_uuid) to another', body: GALAXY_CLUSTER_RELATION_BODY },
    'POST /galaxy_cluster_relations/edit/:id': { summary: 'Change a custom cluster\'s relation', body: GALAXY_CLUSTER_RELATION_BODY },
    'POST /galaxy_cluster_relations/delete/:id': { summary: 'Delete a custom cluster\'s relation' },
  });

  /** The custom cluster a user may change: MISP's fetchIfAuthorized for edit, delete and publish. */
  const changeable = async (user: User, ref: string, what: 'edit' | 'delete' | 'publish' | 'unpublish'): Promise<ClusterInfo & { custom: object }> => {
    const cluster = await clusterByRef(store, viewerOf(user), ref);
    if (!cluster) throw new ApiError(404, 'Invalid galaxy cluster');
    refuseUnless(mayEditGalaxies(user), 'You don\'t have the permission to do that.');
    if (!cluster.custom) {
      throw new ApiError(405, what === 'edit' ? 'Default galaxy cluster cannot be edited'
        : what === 'delete' ? 'Default galaxy cluster cannot be deleted' : `Default galaxy cluster cannot be ${what}ed`);
    }
    if (!mayChangeCluster(user, cluster.custom.orgcId)) {
      throw new ApiError(405, what === 'publish' || what === 'unpublish'
        ? 'Only the creator organisation with publishing capabilities can publish the galaxy cluster' : 'Only the creator organisation can modify the galaxy cluster');
    }
    return cluster as ClusterInfo & { custom: object };
  };

  const saveRelations = async (user: User, clusterId: number, f: Fields, fail: (m: string) => ApiError) => {
    for (const r of listOf(f.GalaxyClusterRelation)) await saveClusterRelation(store, clusterId, await relationOf(store, user, r, fail));
  };

  app.post<{ Params: { id: string }; Querystring: { forkUuid?: string; forkUUID?: string } }>('/galaxy_clusters/add/:id', async (request) => {
    const user = userOf(request);
    const fail = (m: string) => failure('add', 'GalaxyCluster', m);
    const ref = request.params.id;
    const galaxy = /^\d+$/.test(ref) || /^[0-9a-f-]{36}$/i.test(ref) ? await galaxyByRef(store, ref) : undefined;
    if (!galaxy) throw new ApiError(404, 'Invalid galaxy');
    if (!mayEditGalaxies(user)) throw fail('Incorrect permission');
    const f = modelBody(request.body, 'GalaxyCluster');
    const value = textField(f, 'value');
    if (!value) throw fail('The cluster needs a value');
    const forkRef = textField(f, 'extends_uuid') || request.query.forkUuid || request.query.forkUUID;
    const parent = forkRef ? await clusterByRef(store, viewerOf(user), forkRef) : undefined;
    if (forkRef && !textField(f, 'extends_uuid') && !parent) throw new ApiError(404, 'Forked cluster not found.');
    if (parent && parent.galaxyId !== galaxy.id) throw fail('Cluster forks have to belong to the same galaxy as the parent');
    const fields: CustomClusterFields = {
      value, description: textField(f, 'description') ?? '', source: textField(f, 'source') ?? '', authors: authorsOf(f.authors) ?? [],
      // MISP takes the instance's default event distribution; Cairn keeps a cluster that names none to its organisation.
      ...(await sharingOf(store, user, f, fail) ?? { distribution: 0, sharingGroupId: null }),
      meta: metaOf(f, fail) ?? {},
    };
    const relations = await Promise.all(listOf(f.GalaxyClusterRelation).map((r) => relationOf(store, user, r, fail)));
    const fork = parent && { uuid: parent.uuid, version: Number(textField(f, 'extends_version')) || parent.version };
    const id = await addCustomCluster(store, galaxy, user.org.id, fields, fork);
    for (const r of relations) await saveClusterRelation(store, id, r);
    return clusterView(store, (await clusterByRef(store, viewerOf(user), String(id)))!);
  });

  app.post('/galaxy_clusters/edit/:id', async (request: IdRequest) => {
    const user = userOf(request);
    const cluster = await changeable(user, request.params.id, 'edit');
    const fail = (m: string) => failure('edit', 'GalaxyCluster', m);
    const f = modelBody(request.body, 'GalaxyCluster');
    const value = textField(f, 'value');
    if (value === '') throw fail('The cluster needs a value');
    const sharing = await sharingOf(store, user, f, fail);
    const meta = metaOf(f, fail);
    await saveRelations(user, cluster.id, f, fail);
    await editCustomCluster(store, cluster.id, {
      ...(value !== undefined ? { value } : {}), ...(f.description !== undefined ? { description: textField(f, 'description') ?? '' } : {}),
      ...(f.source !== undefined ? { source: textField(f, 'source') ?? '' } : {}), authors: authorsOf(f.authors) ?? [],
      ...(sharing ?? {}), ...(meta ? { meta } : { meta: {} }),
    });
    return clusterView(store, (await clusterByRef(store, viewerOf(user), String(cluster.id)))!);
  });

  const publishing = (published: boolean) => async (request: IdRequest) => {
    const cluster = await changeable(userOf(request), request.params.id, published ? 'publish' : 'unpublish');
    const own = cluster.custom as { published: boolean };
    if (own.published === published) {
      throw new ApiError(405, published ? 'You can\'t publish a galaxy cluster that is already published' : 'You can\'t unpublish a galaxy cluster that is not published');
    }
    await setCustomClusterPublished(store, cluster.id, published);
    return saved(published ? 'Galaxy cluster published' : 'Galaxy cluster unpublished', request.url.split('?')[0]!, cluster.id);
  };
  app.post('/galaxy_clusters/publish/:id', publishing(true));
  app.post('/galaxy_clusters/unpublish/:id', publishing(false));

  app.post<{ Params: { id: string } }>('/galaxy_clusters/delete/:id', { schema: { body: GALAXY_CLUSTER_DELETE } }, async (request) => {
    const cluster = await changeable(userOf(request), request.params.id, 'delete');
    const body = request.body && typeof request.body === 'object' ? request.body as Fields : {};
    const hard = flagField(body, 'hard') ?? false;
    await deleteCustomCluster(store, cluster.id, hard);
    return saved(hard ? 'Galaxy cluster successfuly hard deleted.' : 'Galaxy cluster successfuly soft deleted.', request.url.split('?')[0]!, cluster.id);
  });

  /** The relation and its cluster, when the user may change that cluster; MISP's 404 otherwise (the relation is not shown). */
  const ownedRelation = async (user: User, id: string) => {
    const relation = /^\d+$/.test(id) ? await relationOwner(store, Number(id)) : undefined;
    const cluster = relation && await clusterByRef(store, viewerOf(user), String(relation.clusterId));
    if (!relation || !cluster || !cluster.related.some((r) => r.id === relation.id)) throw new ApiError(404, 'Relation not found.');
    await changeable(user, String(cluster.id), 'edit');
    return { relation, cluster };
  };

  app.post('/galaxy_cluster_relations/add', async (request) => {
    const user = userOf(request);
    const fail = (m: string) => failure('add', 'GalaxyClusterRelation', `Relationship could not be added.Reasons: ${JSON.stringify([m])}`);
    const f = modelBody(request.body, 'GalaxyClusterRelation');
    const source = textField(f, 'galaxy_cluster_uuid');
    if (!source) throw fail('Invalid galaxy cluster');
    const cluster = await changeable(user, source, 'edit');
    const id = await saveClusterRelation(store, cluster.id, await relationOf(store, user, f, fail));
    await editCustomCluster(store, cluster.id, {});
    return saved('Relationship added.', '/galaxy_cluster_relations/add', id);
  });
  app.post('/galaxy_cluster_relations/edit/:id', async (request: IdRequest) => {
    const user = userOf(request);
    const { relation, cluster } = await ownedRelation(user, request.params.id);
    const fail = (m: string) => failure('edit', 'GalaxyClusterRelation', `Relationship could not be added. ${m}`);
    const f = modelBody(request.body, 'GalaxyClusterRelation');
    await editClusterRelation(store, relation.id, await relationOf(store, user, f, fail));
    await editCustomCluster(store, cluster.id, {});
    return saved('Relationship added.', request.url.split('?')[0]!, relation.id);
  });
  app.post('/galaxy_cluster_relations/delete/:id', async (request: IdRequest) => {
    const { relation, cluster } = await ownedRelation(userOf(request), request.params.id);
    await deleteClusterRelation(store, relation.id, cluster.id);
    return saved('Galaxy cluster relationship successfuly deleted.', request.url.split('?')[0]!, relation.id);
  });
}
