import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { freeTextIndicators } from '../../formats/freetext/complex-types.js';
import { parseMispEvent } from '../../formats/misp-json/parse.js';
import { defaultCategory, defaultToIds } from '../../model/types.js';
import { changedEventStamp, currentSecond } from '../../model/versions.js';
import { warninglistsOf } from '../../correlation/warninglists/enforce.js';
import { loadEvent, parseEventRef } from '../../store/events/reader.js';
import { searchAttributes } from '../../store/search/attributes.js';
import { attributeDocument } from '../../services/export/attribute-json.js';
import { resolveSharingGroups } from '../../services/events/sharing-group-refs.js';
import { eventFacts } from '../../access/policy/events.js';
import { mayAddItem, mayAddItems } from '../../access/policy/items.js';
import { viewerOf } from '../../access/viewer.js';
import { ApiError } from '../errors.js';
import { lacking, refuseUnless, userOf } from '../session.js';
import { documented } from '../openapi.js';
import type { ApiContext } from '../context.js';
import { FreeTextImported } from '../schemas/answers.js';

type Body = Record<string, unknown>;

/** MISP's adhereToWarninglists: off, on (leave out what an enabled warninglist holds) or soft (keep it, not for detection). */
function adherence(v: unknown): 'off' | 'hard' | 'soft' {
  if (v === 'soft') return 'soft';
  return v === true || v === 1 || v === '1' || v === 'true' ? 'hard' : 'off';
}
const truthy = (v: unknown) => v === true || v === 1 || v === '1' || v === 'true';

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
    const hits = freeTextIndicators(body.value).map((h) => ({ ...h, to_ids: defaultToIds(h.default_type) }));
    if (truthy(body.returnMetaAttributes) || truthy(request.query.returnMetaAttributes)) {
      return hits.map((h) => ({ ...h, types: Object.fromEntries(h.types.map((t) => [t, t])) }));
    }
    if (!mayAddItem(user, eventFacts(stored))) throw new ApiError(403, 'You are not allowed to add attributes to this event.');
    const adhere = adherence(body.adhereToWarninglists ?? request.query.adhereToWarninglists);
    const lists = adhere === 'off' ? undefined : (await settings.correlation()).warninglists;
    const distribution = body.distribution === undefined || body.distribution === null || body.distribution === '' ? undefined : String(body.distribution);
    const prepared = hits.map((h) => ({
      value: h.value, original_value: h.original_value, ...(h.comment ? { comment: h.comment } : {}), to_ids: h.to_ids,
      type: h.default_type, category: defaultCategory(h.default_type) ?? 'Other', ...(distribution === undefined ? {} : { distribution }), event_id: String(stored.id),
    }));
    const toSave = prepared.flatMap((a) => {
      if (!lists || warninglistsOf(lists, a).length === 0) return [a];
      return adhere === 'soft' ? [{ ...a, to_ids: false }] : [];
  });
      let savedDocs: Array<{ Attribute: Record<string, unknown> }> = [];
      if (toSave.length > 0) {
        const items = toSave.map(({ original_value: _o, event_id: _e, ...a }) => ({
          ...a, uuid: randomUUID(),
          ...(a.distribution === '4' && body.sharing_group_id !== undefined ? { sharing_group_id: body.sharing_group_id } : {}),
        }));
        const now = currentSecond();
        const parsed = parseMispEvent({ Event: { uuid: stored.uuid, info: stored.info, date: stored.date, timestamp: String(now), Attribute: items } }, { defaultDistribution: stored.distribution });
        const attributes = parsed.event?.attributes ?? [];
        if (attributes.length > 0) {
          const change = { ...stored, timestamp: changedEventStamp(stored.timestamp, [now], now), attributes, objects: [], reports: [] };
          await resolveSharingGroups(store, user, change);
          await writes.update(change);
          const saved = await searchAttributes(store, viewer, { uuids: attributes.map((a) => a.uuid) });
          savedDocs = saved.filter((h) => h.eventId === stored.id).map((h) => {
            const { Event: _event, ...attribute } = attributeDocument(h);
            return { Attribute: attribute };
          });
        }
      }
    return truthy(request.query.disable_background_processing) ? savedDocs : prepared;
  });
}
