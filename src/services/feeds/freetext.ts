import { randomUUID } from 'node:crypto';
import { freeTextIndicators, type FreeTextHit } from '../../formats/freetext/complex-types.js';
import { parseMispEvent } from '../../formats/misp-json/parse.js';
import { defaultCategory, defaultToIds } from '../../model/types.js';
import { viewerOf } from '../../access/viewer.js';
import type { Feed } from '../../store/feeds.js';
import { loadEvent } from '../../store/events/reader.js';
import { parseOptionsFor, runImport } from '../import/pipeline.js';
import { readSettings, type FeedSettings } from './config.js';
import { readFeedFile } from './source.js';
import { countEntry, emptyResult, feedActor, feedCreator, feedTag, type FeedRunContext, type FeedRunResult } from './run.js';

/**
 * Each indicator of a free-text or CSV feed as found, typed as the free-text import types them, in feed
 * order (a value may come more than once). A CSV feed's lines starting with `#` are comments, and only
 * its chosen columns (1-based) are read, split on its delimiter; a value the exclusion pattern matches
 * is left out.
 */
export function forEachFeedIndicator(text: string, format: string, settings: FeedSettings, visit: (hit: FreeTextHit) => void): void {
  const exclude = settings.exclude;
  const take = (hits: FreeTextHit[]) => {
    for (const h of hits) if (!exclude || !(exclude.test(h.value) || exclude.test(h.original_value))) visit(h);
  };
  if (format === 'csv') {
    for (const line of text.split(/\r?\n/)) {
      const trimmed = line.trim();
      if (trimmed === '' || trimmed.startsWith('#')) continue;
      const cells = trimmed.split(settings.delimiter);
      for (const c of settings.columns) {
        const cell = cells[c - 1]?.trim().replace(/^"(.*)"$/, '$1');
        if (cell) take(freeTextIndicators(cell));
      }
    }
  } else {
    // Line by line: a feed is a list, and a line's comment (after #) is no indicator.
    for (const line of text.split(/\r?\n/)) {
      const body = (line.includes('#') ? line.replace(/(^|\s)#.*$/, '') : line).trim();
      if (body) take(freeTextIndicators(body));
    }
  }
}

/** The indicators of a free-text or CSV feed (forEachFeedIndicator), each value once, in feed order. */
export function feedIndicators(text: string, format: string, settings: FeedSettings): FreeTextHit[] {
  const found = new Map<string, FreeTextHit>();
  forEachFeedIndicator(text, format, settings, (h) => {
    if (!found.has(h.value)) found.set(h.value, h);
  });
  return [...found.values()];
}

/** Today, as MISP dates events. */
const today = () => new Date().toISOString().slice(0, 10);

/**
 * Fetches a free-text or CSV feed into one event, as MISP does: the feed's fixed event (made on the
 * first run and remembered) gains the values it lacks and, with delta_merge, loses those that left the
 * feed; without fixed_event each run that finds values makes an event of its own. An unchanged file
 * (conditional request) changes nothing. The event goes through the one import pipeline.
 */
export async function fetchFreetextFeed(ctx: FeedRunContext, feed: Feed): Promise<{ result: FeedRunResult; validators?: { etag: string | null; lastModified: string | null }; eventId?: number }> {
  const result = emptyResult(feed, 'fetch');
  const file = await readFeedFile(feed, '', ctx.source, feed.fixedEvent && feed.eventId ? { etag: feed.etag, lastModified: feed.lastModified } : undefined);
  if (file.status === 'not-modified') return { result: { ...result, outcome: 'not-modified' } };
  const hits = feedIndicators(file.text, feed.sourceFormat, readSettings(feed.settings));
  result.values = hits.length;
  const actor = await feedActor(ctx.store);
  if (actor.kind !== 'user') throw new Error('a feed is imported as its organisation');
  const stored = feed.fixedEvent && feed.eventId ? await loadEvent(ctx.store, viewerOf(actor.user), { id: feed.eventId }) : undefined;
  const now = Math.floor(Date.now() / 1000);
  const held = new Map((stored?.attributes ?? []).filter((a) => !a.deleted).map((a) => [a.value, a]));
  const fresh = hits.filter((h) => !held.has(h.value));
  const present = new Set(hits.map((h) => h.value));
  const gone = stored && feed.deltaMerge ? [...held.values()].filter((a) => !present.has(a.value)) : [];
  const validators = { etag: file.etag, lastModified: file.lastModified };
  if (fresh.length === 0 && gone.length === 0) {
    if (stored) result.events.unchanged++;
    return { result, validators, ...(stored ? { eventId: stored.id } : {}) };
  }
  const timestamp = Math.max(now, (stored?.timestamp ?? 0) + 1);
  const tag = await feedTag(ctx.store, feed);
  const attributes = [
    ...fresh.map((h) => ({
      uuid: randomUUID(), type: h.default_type, category: defaultCategory(h.default_type) ?? 'Other', value: h.value,
      to_ids: feed.overrideIds ? false : defaultToIds(h.default_type), distribution: 5, comment: h.comment ?? '', timestamp,
    })),
    ...gone.map((a) => ({ uuid: a.uuid, type: a.type, category: a.category, value: a.value, to_ids: a.to_ids, distribution: a.distribution, comment: a.comment, deleted: true, timestamp })),
  ];
  const creator = stored ? stored.orgc : await feedCreator(ctx.store, feed, actor);
  const distribution = feed.distribution === 5 ? 0 : feed.distribution;
  const doc = {
    Event: {
      uuid: stored?.uuid ?? randomUUID(), info: stored?.info ?? `${feed.name} feed`, date: stored?.date ?? today(),
      analysis: stored?.analysis ?? 2, threat_level_id: stored?.threat_level_id ?? 4,
      distribution: stored?.distribution ?? distribution, sharing_group_id: stored ? stored.sharing_group?.id ?? 0 : feed.distribution === 4 ? feed.sharingGroupId : 0,
      // MISP takes a fixed event back to draft when values leave it, and publishes it after a run with publish.
      published: feed.publish ? true : stored ? stored.published && gone.length === 0 : false,
      timestamp, Orgc: creator, Tag: tag ? [{ name: tag }] : [], Attribute: attributes,
    },
  };
  const parsed = parseMispEvent(doc, parseOptionsFor(actor, 0));
  let eventId: number | undefined = stored?.id;
  await runImport(ctx.store, [{ source: feed.url, parsed }], {
    actor, writer: ctx.writer,
    onEntry: (entry) => {
      countEntry(result, entry);
      if (entry.eventId !== undefined) eventId = entry.eventId;
    },
  });
  return { result, validators, ...(eventId !== undefined ? { eventId } : {}) };
}
