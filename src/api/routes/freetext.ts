import type { FastifyInstance } from 'fastify';
import { defaultCategory } from '../../model/types.js';
import { warninglistsOf } from '../../correlation/warninglists/enforce.js';
import { loadEvent, parseEventRef } from '../../store/events/reader.js';
import type { AttributeHit } from '../../store/search/attributes.js';
import { addFreeTextAttributes, findingsAsAttributes, freeTextFindings, type Adherence, type FreeTextAttribute } from '../../services/events/free-text.js';
import { attributeDocument } from '../../services/export/attribute-json.js';
import { eventFacts } from '../../access/policy/events.js';
import { mayAddItem, mayAddItems } from '../../access/policy/items.js';
import { viewerOf } from '../../access/viewer.js';
import { ApiError } from '../errors.js';
import { lacking, refuseUnless, userOf } from '../session.js';
import { documented } from '../openapi.js';
import type { ApiContext } from '../context.js';
import { FreeTextImported } from '../schemas/answers.js';

type Body = Record<string, unknown>;

/** MISP's adhereToWarninglists: false, true or soft. */
function adherence(v: unknown): Adherence {
  if (v === 'soft') return 'soft';
  return v === true || v === 1 || v === '1' || v === 'true' ? 'hard' : 'off';
}
const truthy = (v: unknown) => v === true || v === 1 || v === '1' || v === 'true';

/** An attribute as the free-text calls answer it: attributes/restSearch's without its event. */
function attributeOnly(h: AttributeHit): { Attribute: Record<string, unknown> } {
  const { Event: _event, ...attribute } = attributeDocument(h);
  return { Attribute: attribute };
}

/**
 * MISP's events/freeTextImport/EVENT: the indicators found in a text (formats/freetext), typed as MISP
 * types them. With returnMetaAttributes it answers what it found, with every type each could be, and
 * saves nothing; otherwise it adds them to the event (the user must be allowed to add to it), leaving
 * out, or taking off detection, what an enabled warninglist holds when asked (adhereToWarninglists
 * true or soft). Cairn adds them at once; like MISP with background processing off
 * (`disable_background_processing:1`) it then answers the saved attributes, and otherwise, like MISP
 * when it queues the work, the attributes it set out to add.
 */
export async function freeTextRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store, settings, writes } = ctx;
  documented(app, 'Events', {
    'POST /events/saveFreeText/:event': { summary: 'Add the attributes chosen from a free-text preview: {Attribute: {JsonObject: "[{value, type, category, to_ids, comment}]", default_comment}}' },
    'POST /events/freeTextImport/:event': {
      summary: "Add the indicators found in a text to an event, typed as MISP's free-text import types them: {value, adhereToWarninglists (false, true, soft), distribution, sharing_group_id, returnMetaAttributes}",
      response: FreeTextImported,
    },
  });
  app.post<{ Params: { event: string }; Querystring: Record<string, string | undefined> }>('/events/freeTextImport/:event', async (request) => {
    const user = userOf(request);
    // MISP's ACL asks perm_add of the whole action, the answer of found indicators included.
    refuseUnless(mayAddItems(user), lacking('perm_add'));
    const viewer = viewerOf(user);
    const ref = parseEventRef(request.params.event);
    const stored = ref && (await loadEvent(store, viewer, ref));
    if (!stored) throw new ApiError(404, 'Invalid event.');
    const raw = request.body;
    const outer: Body = typeof raw === 'string' ? { value: raw } : raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Body) : {};
    const body: Body = outer.Attribute && typeof outer.Attribute === 'object' ? (outer.Attribute as Body) : outer;
    if (typeof body.value !== 'string') throw new ApiError(400, 'Give the text to read in value.');
    const hits = freeTextFindings(body.value);
    if (truthy(body.returnMetaAttributes) || truthy(request.query.returnMetaAttributes)) {
      // Each value an enabled warninglist holds names the lists (Cairn's addition: MISP's API answer leaves them to its page).
      const enabled = (await settings.correlation()).warninglists;
      return hits.map((h) => {
        const on = warninglistsOf(enabled, { type: h.default_type, value: h.value });
        return { ...h, types: Object.fromEntries(h.types.map((t) => [t, t])), ...(on.length ? { warninglists: on } : {}) };
      });
    }
    if (!mayAddItem(user, eventFacts(stored))) throw new ApiError(403, 'You are not allowed to add attributes to this event.');
    const adhere = adherence(body.adhereToWarninglists ?? request.query.adhereToWarninglists);
    const lists = adhere === 'off' ? undefined : (await settings.correlation()).warninglists;
    const distribution = body.distribution === undefined || body.distribution === null || body.distribution === '' ? undefined : String(body.distribution);
    const prepared = hits.map((h) => ({
      value: h.value, original_value: h.original_value, ...(h.comment ? { comment: h.comment } : {}), to_ids: h.to_ids,
      type: h.default_type, category: defaultCategory(h.default_type) ?? 'Other', ...(distribution === undefined ? {} : { distribution }), event_id: String(stored.id),
    }));
    const toSave = findingsAsAttributes(hits, adhere, lists).map((a) => ({
      ...a, ...(distribution === undefined ? {} : { distribution }), ...(body.sharing_group_id !== undefined ? { sharing_group_id: body.sharing_group_id } : {}),
    }));
    const savedDocs = (await addFreeTextAttributes(store, writes, user, stored, toSave)).map(attributeOnly);
    return truthy(request.query.disable_background_processing) ? savedDocs : prepared;
  });

  // MISP's events/saveFreeText/EVENT: the attributes chosen from a preview (Attribute.JsonObject, a JSON
  // list of {value, type, category, to_ids, comment, distribution, sharing_group_id}), each without a
  // comment taking default_comment; answered with MISP's message.
  app.post<{ Params: { event: string } }>('/events/saveFreeText/:event', async (request, reply) => {
    const user = userOf(request);
    refuseUnless(mayAddItems(user), lacking('perm_add'));
    const ref = parseEventRef(request.params.event);
    const stored = ref && (await loadEvent(store, viewerOf(user), ref));
    if (!stored) throw new ApiError(404, 'Invalid event.');
    if (!mayAddItem(user, eventFacts(stored))) throw new ApiError(403, 'You are not allowed to add attributes to this event.');
    const raw = request.body as Body | undefined;
    const outer = raw && typeof raw === 'object' && raw.Attribute && typeof raw.Attribute === 'object' ? (raw.Attribute as Body) : (raw ?? {});
    let list: unknown = outer.JsonObject;
    if (typeof list === 'string') {
      try {
        list = JSON.parse(list);
      } catch {
        throw new ApiError(400, 'Attribute.JsonObject must be a JSON list of attributes.');
      }
    }
    if (!Array.isArray(list)) throw new ApiError(400, 'Attribute.JsonObject must be a JSON list of attributes.');
    const defaultComment = typeof outer.default_comment === 'string' ? outer.default_comment : '';
    const chosen: FreeTextAttribute[] = list.map((item, n) => {
      const a = (item && typeof item === 'object' ? item : {}) as Body;
      if (typeof a.value !== 'string' || a.value.trim() === '') throw new ApiError(400, `Attribute.JsonObject[${n}].value must be text.`);
      if (typeof a.type !== 'string' || a.type === '') throw new ApiError(400, `Attribute.JsonObject[${n}].type must be an attribute type.`);
      return {
        value: a.value, type: a.type, ...(typeof a.category === 'string' && a.category ? { category: a.category } : {}),
        ...(a.to_ids === undefined ? {} : { to_ids: truthy(a.to_ids) }),
        ...((typeof a.comment === 'string' && a.comment) || defaultComment ? { comment: (typeof a.comment === 'string' && a.comment) || defaultComment } : {}),
        ...(a.distribution === undefined || a.distribution === '' ? {} : { distribution: String(a.distribution) }),
        ...(a.sharing_group_id === undefined ? {} : { sharing_group_id: a.sharing_group_id }),
      };
    });
    const saved = await addFreeTextAttributes(store, writes, user, stored, chosen);
    const failed = chosen.length - saved.length;
    const noun = (n: number) => (n === 1 ? 'attribute' : 'attributes');
    // MISP answers its message as a JSON string.
    reply.type('application/json; charset=utf-8');
    return JSON.stringify(`${saved.length} ${noun(saved.length)} created.${failed > 0 ? ` ${failed} ${noun(failed)} could not be saved.` : ''}`);
  });
}
