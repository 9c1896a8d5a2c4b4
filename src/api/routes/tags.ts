import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isUuid } from '../../model/event.js';
import type { Store } from '../../store/database.js';
import { loadEvent } from '../../store/event-reader.js';
import { attachTag, detachTag, findTaggable, listTags, tagId, tagNameById } from '../../store/tags.js';
import { ApiError, notFound } from '../errors.js';
import { can, mayChange, requirePermission, userOf, viewerOf } from '../session.js';

interface TagRequest {
  uuid?: unknown;
  tag?: unknown;
  local?: unknown;
}

export async function tagRoutes(app: FastifyInstance, store: Store): Promise<void> {
  app.get<{ Querystring: { searchall?: string } }>('/tags/index', async (request) => {
    const user = userOf(request);
    const search = request.query.searchall?.trim();
    const tags = await listTags(store, viewerOf(user), search ? `%${search}%` : undefined);
    return {
      Tag: tags.map((t) => ({
        id: String(t.id), name: t.name, colour: t.colour, exportable: t.exportable, org_id: '0', user_id: '0', hide_tag: t.hidden,
        numerical_value: null, is_galaxy: t.name.startsWith('misp-galaxy:'), is_custom_galaxy: false, local_only: false,
        count: t.events, attribute_count: t.attributes, favourite: false,
      })),
    };
  });

  /** The event or attribute a tag request names, and the tag, checked against what the user may do. */
  const resolve = async (request: FastifyRequest, attaching: boolean) => {
    const user = userOf(request);
    requirePermission(user, 'perm_tagger');
    const body = (request.body ?? {}) as TagRequest;
    const uuid = typeof body.uuid === 'string' ? body.uuid.trim().toLowerCase() : '';
    if (!isUuid(uuid)) throw new ApiError(403, 'Invalid object uuid', { errors: { uuid: ['the uuid of an event or attribute is required'] } });
    const name = typeof body.tag === 'string' || typeof body.tag === 'number' ? String(body.tag).trim() : '';
    if (!name) throw new ApiError(403, 'Invalid tag', { errors: { tag: ['the tag name (or id) is required'] } });
    const local = body.local === true || body.local === 1 || body.local === '1' || body.local === 'true';
    const target = await findTaggable(store, viewerOf(user), uuid);
    if (!target) throw notFound('object');
    // A local tag is the user's organisation's own note; a global one changes the event, which is its owners' to change.
    if (!local) {
      const event = await loadEvent(store, viewerOf(user), { id: target.eventId });
      if (!event || !mayChange(user, event)) throw new ApiError(403, 'You do not have permission to do that: only the event\'s organisation may add or remove global tags.');
    }
    const tagName = (/^\d+$/.test(name) ? await tagNameById(store, Number(name)) : undefined) ?? name;
    const id = await tagId(store, tagName, attaching && can(user, 'perm_tag_editor'));
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
