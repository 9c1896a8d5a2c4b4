import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isUuid } from '../../model/event.js';
import { eventOwnership } from '../../store/events/ownership.js';
import type { TaxonomyRules } from '../../libraries/taxonomy.js';
import { attachTag, deleteTag, detachTag, findTaggable, listTags, saveTag, tagId, tagNameById, tagNamesOn, type TagUsage } from '../../store/tags.js';
import type { User } from '../../store/access/users.js';
import { flagField, modelBody, textField } from '../body.js';
import { ApiError, notFound } from '../errors.js';
import { lacking, refuseUnless, userOf } from '../session.js';
import { mayDeleteTags, mayEditTags, mayTag, mayTagItem } from '../../access/policy/tags.js';
import { viewerOf } from '../../access/viewer.js';
import { documented } from '../openapi.js';
import { tagStatistics } from '../../services/stats/tag-statistics.js';
import { TAG_ATTACH, TAG_BODY } from '../schemas/bodies.js';
import type { ApiContext } from '../context.js';

function tagDocument(t: TagUsage, rules: TaxonomyRules) {
  return {
    id: String(t.id), name: t.name, colour: t.colour, exportable: t.exportable, org_id: '0', user_id: '0', hide_tag: t.hidden,
    numerical_value: rules.describe(t.name)?.numericalValue ?? null, is_galaxy: t.name.startsWith('misp-galaxy:'), is_custom_galaxy: false, local_only: false,
    count: t.events, attribute_count: t.attributes, favourite: false,
  };
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
    'POST /tags/add': { summary: 'Add a tag (perm_tag_editor)', body: TAG_BODY },
    'POST /tags/edit/:id': { summary: 'Change a tag (perm_tag_editor)', body: TAG_BODY },
    'POST /tags/delete/:id': { summary: 'Delete a tag, taking it off everything (site admins)' },
    'DELETE /tags/delete/:id': { summary: 'Delete a tag (site admins)' },
    'POST /tags/attachTagToObject': { summary: 'Put a tag on an event or attribute; local tags on what you may only see', body: TAG_ATTACH },
    'POST /tags/removeTagFromObject': { summary: 'Take a tag off an event or attribute', body: TAG_ATTACH },
  });
  app.get<{ Querystring: { searchall?: string } }>('/tags/index', async (request) => {
    const user = userOf(request);
    const search = request.query.searchall?.trim();
    const rules = await libraries.taxonomies.get();
    return { Tag: (await listTags(store, viewerOf(user), search ? `%${search}%` : undefined)).map((t) => tagDocument(t, rules)) };
  });

  const statistics = async (request: FastifyRequest<{ Params: { percentage?: string; nameSort?: string } }>) =>
    tagStatistics(store, viewerOf(userOf(request)), request.params.percentage === 'true', request.params.nameSort === 'true');
  app.get('/tags/tagStatistics', statistics);
  app.get('/tags/tagStatistics/:percentage/:nameSort', statistics);

  /** One tag by id, with its usage where the user may look. */
  const oneTag = async (user: User, id: string) => {
    const t = /^\d+$/.test(id) ? (await listTags(store, viewerOf(user))).find((x) => x.id === Number(id)) : undefined;
    if (!t) throw notFound('tag');
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
    const rules = await libraries.taxonomies.get();
    const unknown = name !== undefined ? rules.unknownTag(name) : undefined;
    if (unknown) throw new ApiError(403, 'The tag could not be saved.', { errors: { name: [unknown] } });
    const saved = await saveTag(store, { ...(id !== undefined ? { id } : {}), ...(name !== undefined ? { name } : {}), ...(colour !== undefined ? { colour } : {}),
      ...(exportable !== undefined ? { exportable } : {}), ...(hidden !== undefined ? { hidden } : {}) });
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
    if (!target) throw notFound('object');
    if (!local) {
      const event = await eventOwnership(store, viewerOf(user), { id: target.eventId });
      if (!event || !mayTagItem(user, event, local)) throw new ApiError(403, 'You do not have permission to do that: only the event\'s organisation may add or remove global tags.');
    }
    const tagName = (/^\d+$/.test(name) ? await tagNameById(store, Number(name)) : undefined) ?? name;
    if (attaching) {
      // An enabled taxonomy says which of its tags exist and which may not sit together on one item.
      const rules = await libraries.taxonomies.get();
      const problem = rules.unknownTag(tagName) ?? rules.conflict(tagName, await tagNamesOn(store, target));
      if (problem) throw new ApiError(403, 'The tag is not allowed by its taxonomy.', { errors: { tag: [problem] } });
    }
    const id = await tagId(store, tagName, attaching && mayEditTags(user));
    if (id === undefined) throw new ApiError(403, attaching ? `No tag "${tagName}", and you may not create tags.` : `No tag "${tagName}".`);
    return { target, id, local, tagName };
  };

  app.post('/tags/attachTagToObject', async (request) => {
    const { target, id, local } = await resolve(request, true);
    await attachTag(store, target, id, local);
    return { saved: true, success: 'Tag(s) attached.', check_publish: true };
  });
  app.post('/tags/removeTagFromObject', async (request) => {
    const { target, id, tagName } = await resolve(request, false);
    if (!(await detachTag(store, target, id))) throw new ApiError(404, `The tag "${tagName}" is not on that ${target.kind}.`);
    return { saved: true, success: 'Tag removed.', check_publish: true };
  });
}
