import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isUuid } from '../../model/event.js';
import { hostOrganisationId } from '../../store/access/organisations.js';
import { eventOwnership } from '../../store/events/ownership.js';
import { splitTag, type TaxonomyRules } from '../../libraries/taxonomy.js';
import { clustersOfTags } from '../../store/libraries/galaxies.js';
import { taxonomyByRef } from '../../store/libraries/taxonomies.js';
import { clusterDocument, taxonomyDocument } from '../library-documents.js';
import {
  attachTag, deleteTag, detachTag, findTaggable, findTaggableById, listTags, saveTag, tagId, tagNameById, tagNamesOn, tagRestriction, searchTags, type TagRow, type Tagged, type TagUsage,
} from '../../store/tags.js';
import { clusterByRef } from '../../store/libraries/galaxies.js';
import type { User } from '../../store/access/users.js';
import { flagField, idField, modelBody, textField } from '../body.js';
import { ApiError, notFound } from '../errors.js';
import { lacking, refuseUnless, userOf } from '../session.js';
import { mayDeleteTags, mayEditTags, maySeeTag, mayTag, mayTagItem, tagRestrictionRefusal } from '../../access/policy/tags.js';
import { viewerOf } from '../../access/viewer.js';
import { documented } from '../openapi.js';
import { tagStatistics } from '../../services/stats/tag-statistics.js';
import { GALAXY_ATTACH, TAG_ATTACH, TAG_BODY, TAG_SEARCH } from '../schemas/bodies.js';
import type { ApiContext } from '../context.js';

/** A tag as MISP's tag table holds it. */
function tagFields(t: TagRow, rules: TaxonomyRules) {
  return {
    id: String(t.id), name: t.name, colour: t.colour, exportable: t.exportable, org_id: String(t.orgId), user_id: String(t.userId), hide_tag: t.hidden,
    numerical_value: rules.describe(t.name)?.numericalValue ?? null, is_galaxy: t.name.startsWith('misp-galaxy:'), is_custom_galaxy: false, local_only: false,
  };
}

function tagDocument(t: TagUsage, rules: TaxonomyRules) {
  return { ...tagFields(t, rules), count: t.events, attribute_count: t.attributes, favourite: false };
}

/** The terms of a tags/search: the address's, else the body's `tag` (one or a list), else (as MISP) every value of the body. */
function searchTerms(pathTerm: string | undefined, body: unknown): string[] {
  const b = body && typeof body === 'object' && !Array.isArray(body) ? body as Record<string, unknown> : {};
  const fields = typeof b.Tag === 'object' && b.Tag !== null && !Array.isArray(b.Tag) ? b.Tag as Record<string, unknown> : b;
  const raw = pathTerm !== undefined ? [pathTerm] : fields.tag !== undefined && fields.tag !== '' ? [fields.tag].flat() : Object.values(fields);
  // MISP also matches PyMISP's `strict_tagname: false` as a term (an empty one): a flag is no name, so it is left out here.
  return raw.filter((v): v is string | number => (typeof v === 'string' && v.trim() !== '') || typeof v === 'number').map((v) => String(v).trim());
}

interface TagRequest {
  uuid?: unknown;
  tag?: unknown;
  local?: unknown;
}

export async function tagRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store, libraries } = ctx;
  documented(app, 'Tags', {
    'GET /tags/index': { summary: 'Every tag, with its use in what you may see', query: { type: 'object', properties: { searchall: { type: 'string', description: 'part of the name' } } } },
    'GET /tags/view/:id': { summary: 'One tag, with its use in what you may see' },
    'GET /tags/tagStatistics': { summary: 'How many events you may see carry each tag, and each enabled taxonomy\'s tags, most used first' },
    'GET /tags/tagStatistics/:percentage/:nameSort': { summary: 'tagStatistics as shares ("12.5%") when percentage is true, by name when nameSort is true' },
    'POST /tags/search': {
      summary: 'Tags by name (LIKE, % as wildcard, any case) or by the value or a synonym of a galaxy cluster, with their taxonomy and cluster',
      body: TAG_SEARCH,
    },
    'GET /tags/search/:tag': { summary: 'As POST tags/search, one term' },
    'GET /tags/search/:tag/:strict': { summary: 'As POST tags/search, one term; strict 1: the exact name (or an id) only' },
    'POST /tags/add': { summary: 'Add a tag (perm_tag_editor)', body: TAG_BODY },
    'POST /tags/edit/:id': { summary: 'Change a tag (perm_tag_editor)', body: TAG_BODY },
    'POST /tags/delete/:id': { summary: 'Delete a tag, taking it off everything (site admins)' },
    'DELETE /tags/delete/:id': { summary: 'Delete a tag (site admins)' },
    'POST /tags/attachTagToObject': { summary: 'Put a tag on an event or attribute; local tags on what you may only see', body: TAG_ATTACH },
    'POST /tags/removeTagFromObject': { summary: 'Take a tag off an event or attribute', body: TAG_ATTACH },
    'POST /galaxies/attachCluster/:id/:type': {
      summary: 'Put a galaxy cluster\'s tag on an event or attribute (type event or attribute, by id); local=1 for a local tag', body: GALAXY_ATTACH,
      query: { type: 'object', properties: { local: { type: 'string', description: '1 for a tag of your organisation only' } } },
    },
  });
  app.get<{ Querystring: { searchall?: string } }>('/tags/index', async (request) => {
    const user = userOf(request);
    const search = request.query.searchall?.trim();
    const rules = await libraries.taxonomies.get();
    const tags = (await listTags(store, viewerOf(user), search ? `%${search}%` : undefined)).filter((t) => maySeeTag(user, t));
    return { Tag: tags.map((t) => tagDocument(t, rules)) };
  });

  const statistics = async (request: FastifyRequest<{ Params: { percentage?: string; nameSort?: string } }>) =>
    tagStatistics(store, viewerOf(userOf(request)), request.params.percentage === 'true', request.params.nameSort === 'true');
  app.get('/tags/tagStatistics', statistics);
  app.get('/tags/tagStatistics/:percentage/:nameSort', statistics);
  // MISP's tags/search: every tag of the instance he may see (no usage is counted here); another
  // organisation's (or user's) restricted tag is, to him, no tag at all.
  const search = async (user: User, terms: string[], strict: boolean) => {
    const viewer = viewerOf(user);
    const rules = await libraries.taxonomies.get();
    const tags = (await searchTags(store, viewer, terms, strict)).filter((t) => maySeeTag(user, t));
    const clusters = await clustersOfTags(store, viewer, tags.map((t) => t.name));
    return Promise.all(tags.map(async (t) => {
      const parts = splitTag(t.name);
      const taxonomy = parts && !t.name.startsWith('misp-galaxy:') ? await taxonomyByRef(store, parts.namespace) : undefined;
      const predicate = taxonomy?.taxonomy.predicates.find((p) => p.value === parts!.predicate);
      const cluster = clusters.get(t.name);
      return {
        Tag: tagFields(t, rules),
        ...(taxonomy && predicate ? {
          Taxonomy: taxonomyDocument(taxonomy.info),
          TaxonomyPredicate: {
            value: predicate.value, expanded: predicate.expanded ?? predicate.value, description: predicate.description ?? '', colour: predicate.colour ?? '',
            exclusive: predicate.exclusive, numerical_value: predicate.numericalValue ?? null,
            TaxonomyEntry: predicate.entries.filter((e) => e.value === parts!.value)
              .map((e) => ({ value: e.value, expanded: e.expanded ?? e.value, description: e.description ?? '', colour: e.colour ?? '', numerical_value: e.numericalValue ?? null })),
          },
        } : {}),
        ...(cluster ? { GalaxyCluster: clusterDocument(cluster.cluster) } : {}),
      };
    }));
  };
  app.post('/tags/search', async (request) => search(userOf(request), searchTerms(undefined, request.body), false));
  app.get<{ Params: { tag: string } }>('/tags/search/:tag', async (request) => search(userOf(request), searchTerms(request.params.tag, undefined), false));
  app.get<{ Params: { tag: string; strict: string } }>('/tags/search/:tag/:strict', async (request) =>
    search(userOf(request), searchTerms(request.params.tag, undefined), ['1', 'true'].includes(request.params.strict)));

  /** One tag by id, with its usage where the user may look. */
  const oneTag = async (user: User, id: string) => {
    const t = /^\d+$/.test(id) ? (await listTags(store, viewerOf(user))).find((x) => x.id === Number(id)) : undefined;
    // Another organisation's (or user's) restricted tag is, to him, no tag at all.
    if (!t || !maySeeTag(user, t)) throw notFound('tag');
    return t;
  };
  app.get<{ Params: { id: string } }>('/tags/view/:id', async (request) => tagDocument(await oneTag(userOf(request), request.params.id), await libraries.taxonomies.get()));

  const save = async (user: User, id: number | undefined, body: unknown) => {
    refuseUnless(mayEditTags(user), lacking('perm_tag_editor'));
    const raw = modelBody(body, 'Tag', 'The tag could not be saved.');
    const name = textField(raw, 'name');
    const colour = textField(raw, 'colour');
    const exportable = flagField(raw, 'exportable');
    const hidden = flagField(raw, 'hide_tag');
    // MISP's restrictions: the only organisation, or user, the tag is for (0: everyone).
    const orgId = idField(raw, 'org_id');
    const userId = idField(raw, 'user_id');
    // Any name may be a tag, as in MISP: a taxonomy's namespace does not forbid the names it does not
    // define (`tlp:white___test`); a taxonomy only rules which of its tags may sit together.
    const rules = await libraries.taxonomies.get();
    const saved = await saveTag(store, { ...(id !== undefined ? { id } : {}), ...(name !== undefined ? { name } : {}), ...(colour !== undefined ? { colour } : {}),
      ...(exportable !== undefined ? { exportable } : {}), ...(hidden !== undefined ? { hidden } : {}),
      ...(orgId !== undefined ? { orgId } : {}), ...(userId !== undefined ? { userId } : {}) });
    if (!saved.ok) throw new ApiError(403, 'The tag could not be saved.', { errors: { [saved.field]: [saved.reason] } });
    return { Tag: tagDocument(await oneTag(user, String(saved.id)), rules) };
  };
  app.post('/tags/add', async (request) => save(userOf(request), undefined, request.body));
  app.post<{ Params: { id: string } }>('/tags/edit/:id', async (request) => {
    const user = userOf(request);
    return save(user, (await oneTag(user, request.params.id)).id, request.body);
  });
  const remove = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const user = userOf(request);
    refuseUnless(mayDeleteTags(user), lacking('perm_site_admin'));
    const tag = await oneTag(user, request.params.id);
    await deleteTag(store, tag.id);
    return { name: 'Tag deleted.', message: 'Tag deleted.', url: request.url.split('?')[0] };
  };
  app.post('/tags/delete/:id', remove);
  app.delete('/tags/delete/:id', remove);

  /** A global tag goes on an item only by its event's organisation; a local one by it, the host organisation or a site admin. */
  const refuseTagging = async (user: User, target: Tagged, local: boolean) => {
    const event = await eventOwnership(store, viewerOf(user), { id: target.eventId });
    if (event && mayTagItem(user, event, local, await hostOrganisationId(store))) return;
    throw new ApiError(403, local
      ? 'Local tags can only be added or removed by users of the host organisation or of the event\'s organisation, and by site admins.'
      : 'You do not have permission to do that: only the event\'s organisation may add or remove global tags.');
  };

  /** The event or attribute a tag request names, and the tag, checked against what the user may do. */
  const resolve = async (request: FastifyRequest, attaching: boolean) => {
    const user = userOf(request);
    refuseUnless(mayTag(user), lacking('perm_tagger'));
    const body = (request.body ?? {}) as TagRequest;
    const uuid = typeof body.uuid === 'string' ? body.uuid.trim().toLowerCase() : '';
    if (!isUuid(uuid)) throw new ApiError(403, 'Invalid object uuid', { errors: { uuid: ['the uuid of an event or attribute is required'] } });
    const name = typeof body.tag === 'string' || typeof body.tag === 'number' ? String(body.tag).trim() : '';
    if (!name) throw new ApiError(403, 'Invalid tag', { errors: { tag: ['the tag name (or id) is required'] } });
    const local = body.local === true || body.local === 1 || body.local === '1' || body.local === 'true';
    const target = await findTaggable(store, viewerOf(user), uuid);
    if (!target) throw new ApiError(404, 'Invalid Target.');
    await refuseTagging(user, target, local);
    const tagName = (/^\d+$/.test(name) ? await tagNameById(store, Number(name)) : undefined) ?? name;
    if (attaching) {
      // An enabled taxonomy says which of its tags may not sit together on one item.
      const rules = await libraries.taxonomies.get();
      const problem = rules.conflict(tagName, await tagNamesOn(store, target));
      if (problem) throw new ApiError(403, 'The tag is not allowed by its taxonomy.', { errors: { tag: [problem] } });
    }
    if (attaching) {
      const restricted = await tagRestriction(store, tagName);
      const refusal = restricted && tagRestrictionRefusal(user, restricted);
      if (refusal) throw new ApiError(403, 'Could not attach the tag.', { errors: `Failed to attach 1 tags. Reasons: ${JSON.stringify({ 0: refusal })}` });
    }
    const id = await tagId(store, tagName, attaching && mayEditTags(user));
    if (id === undefined) throw new ApiError(403, attaching ? `No tag "${tagName}", and you may not create tags.` : `No tag "${tagName}".`);
    return { target, id, local, tagName };
  };

  // MISP's answers name the tag and the item, as "Global tag NAME(ID) successfully attached to Event(ID).".
  const itemName = (t: Tagged) => (t.kind === 'event' ? `Event(${t.eventId})` : `Attribute(${t.attributeId})`);
  const saved = (message: string, url: string) => ({ saved: true, success: true, name: message, message, url, check_publish: true });
  app.post('/tags/attachTagToObject', async (request) => {
    const { target, id, local, tagName } = await resolve(request, true);
    const kind = target.kind === 'event' ? 'Event' : 'Attribute';
    const message = (await attachTag(store, target, id, local))
      ? `${local ? 'Local' : 'Global'} tag ${tagName}(${id}) successfully attached to ${itemName(target)}.`
      : `${kind} already has the requested tag attached, no changes had to be made for tag ${tagName}.`;
    return saved(message, '/tags/attachTagToObject');
  });
  app.post('/tags/removeTagFromObject', async (request) => {
    const { target, id, tagName } = await resolve(request, false);
    const removed = await detachTag(store, target, id);
    if (!removed) throw new ApiError(404, `The tag "${tagName}" is not on that ${target.kind}.`);
    return saved(`${removed.local ? 'Local' : 'Global'} tag ${tagName} (${id}) successfully removed from ${itemName(target)}.`, '/tags/removeTagFromObject');
  });

  // MISP's galaxies/attachCluster: the cluster's tag, made if missing (even by a user who may not make
  // tags, as MISP does, since the cluster names it), put on the event or attribute.
  app.post<{ Params: { id: string; type: string }; Querystring: { local?: string } }>('/galaxies/attachCluster/:id/:type', async (request) => {
    const user = userOf(request);
    refuseUnless(mayTag(user), lacking('perm_tagger'));
    const kind = request.params.type;
    if (kind !== 'event' && kind !== 'attribute') throw new ApiError(404, `Invalid ${kind}.`);
    const local = ['1', 'true'].includes(request.query.local ?? '');
    const id = /^\d+$/.test(request.params.id) ? Number(request.params.id) : undefined;
    const target = id === undefined ? undefined : await findTaggableById(store, viewerOf(user), kind, id);
    if (!target) throw new ApiError(404, `Invalid ${kind}.`);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const clusterId = idField(body, 'target_id');
    const cluster = clusterId === undefined ? undefined : await clusterByRef(store, viewerOf(userOf(request)), String(clusterId));
    if (!cluster) throw new ApiError(404, 'Invalid Galaxy cluster');
    await refuseTagging(user, target, local);
    const attached = await attachTag(store, target, (await tagId(store, cluster.tagName, true))!, local);
    return { saved: true, success: attached ? 'Cluster attached.' : 'Cluster already attached.', check_publish: true };
  });
}
