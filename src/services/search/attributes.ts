import type { Viewer } from '../../access/viewer.js';
import { notWarninglisted } from '../../correlation/warninglists/enforce.js';
import type { WarninglistIndex } from '../../correlation/warninglists/index.js';
import type { ExportAttribute } from '../../model/export-attribute.js';
import type { Store } from '../../store/db/database.js';
import { exportAttributes } from '../../store/search/export-stream.js';
import { attributePages, type AttributeFilter, type AttributeHit } from '../../store/search/attributes.js';
import { lastSeenOf, tagsOfHits } from '../../store/search/hit-extras.js';
import { allDecayed, type DecayScorer, type DecayScoreDocument } from '../decay/scores.js';

/**
 * The one warninglist semantics of every search and export: a value on an enabled list is left out
 * before the filter's limit and offset apply, so that a limit counts what is kept and a page follows
 * the kept values of the page before. Without lists the store applies them itself, in SQL.
 */

/**
 * Attributes read per query when nothing bounds the listing: a page is what a streamed answer computes
 * between two turns of the event loop (src/api/exports.ts), and 250 attributes as JSON, with their tags,
 * are about 5 ms of work, while the page's queries cost little against it.
 */
const PAGE = 250;

/**
 * Attributes read per query of a listing, handed on in pages of PAGE: each query costs its compiling and
 * its start, a fifth of the time of a frequent value's answer when read 250 at a time. Text answers take
 * pages of this size (attributeHitPages with it as the page size) and cut their text into pieces of PAGE.
 */
export const READ = 1000;

/** The pages of `pages` cut into pages of `size` at most, in order. */
async function* cut<T>(pages: AsyncIterable<T[]>, size: number): AsyncGenerator<T[]> {
  for await (const page of pages) {
    if (page.length <= size) yield page;
    else for (let i = 0; i < page.length; i += size) yield page.slice(i, i + size);
  }
}

/**
 * Pages of what the keep test lets through, the first `offset` kept items skipped and at most `limit`
 * given. Stops reading the source as soon as the limit is filled: a search for 10 values reads only
 * as far into the store as it takes to find 10 that are kept.
 */
export async function* keptPages<T>(pages: AsyncIterable<T[]>, keep: (item: T) => boolean, limit?: number, offset = 0): AsyncGenerator<T[]> {
  let remaining = limit ?? Number.POSITIVE_INFINITY;
  let skip = limit !== undefined ? offset : 0;
  if (remaining <= 0) return;
  for await (const page of pages) {
    let kept = page.filter(keep);
    if (skip > 0) {
      const from = Math.min(skip, kept.length);
      skip -= from;
      kept = kept.slice(from);
    }
    if (kept.length > remaining) kept = kept.slice(0, remaining);
    remaining -= kept.length;
    if (kept.length) yield kept;
    // Leaving the loop closes the store's generator: no page is read past the limit.
    if (remaining <= 0) return;
  }
}

/** A page size for reading past left-out values: the whole bounded listing when small, else the usual page. */
function pageFor(filter: AttributeFilter, pageSize: number): number {
  if (filter.limit === undefined) return pageSize;
  return Math.min(pageSize, Math.max(100, 2 * (filter.limit + (filter.offset ?? 0))));
}

/** The attributes a search finds, a page at a time, in id order; values on the lists, when given, left out first. */
export function attributeHitPages(store: Store, viewer: Viewer, filter: AttributeFilter, lists?: WarninglistIndex, pageSize = PAGE): AsyncIterable<AttributeHit[]> {
  if (!lists) return pageSize === PAGE ? cut(attributePages(store, viewer, filter, READ), PAGE) : attributePages(store, viewer, filter, pageSize);
  const { limit, offset, ...criteria } = filter;
  return keptPages(attributePages(store, viewer, criteria, pageFor(filter, pageSize)), notWarninglisted(lists), limit, offset);
}

/** The attributes an export sends, a page at a time with their context; values on the lists, when given, left out first. */
export function exportAttributePages(store: Store, viewer: Viewer, filter: AttributeFilter, lists?: WarninglistIndex): AsyncIterable<ExportAttribute[]> {
  if (!lists) return exportAttributes(store, viewer, filter);
  const { limit, offset, ...criteria } = filter;
  return keptPages(exportAttributes(store, viewer, criteria), notWarninglisted(lists), limit, offset);
}

/** Every attribute a search finds, as one list: for answers bounded by a limit or small by nature. */
export async function findAttributes(store: Store, viewer: Viewer, filter: AttributeFilter, lists?: WarninglistIndex): Promise<AttributeHit[]> {
  const out: AttributeHit[] = [];
  for await (const page of attributeHitPages(store, viewer, filter, lists)) out.push(...page);
  return out;
}

/** An attribute a search found, with its decay scores when the search asked for them. */
export type ScoredHit = AttributeHit & { decayScore?: DecayScoreDocument[] };

/** A page of hits with the scores of each (read with its own tags and its event's, as MISP scores them). */
async function scorePage(store: Store, page: AttributeHit[], scorer: DecayScorer): Promise<ScoredHit[]> {
  const tags = await tagsOfHits(store, page, { eventTags: true });
  const scores = await scorer.scores(page.map((h) => {
    const t = tags.get(h.id) ?? [];
    return {
      id: h.id, type: h.type, timestamp: h.timestamp, lastSeen: h.lastSeen,
      tags: t.filter((x) => !x.inherited).map((x) => x.name), eventTags: t.filter((x) => x.inherited).map((x) => x.name),
    };
  }));
  return page.map((h) => {
    const s = scores.get(h.id);
    return s ? { ...h, decayScore: s } : h;
  });
}

async function* scoredPages(store: Store, pages: AsyncIterable<AttributeHit[]>, scorer: DecayScorer): AsyncGenerator<ScoredHit[]> {
  for await (const page of pages) yield scorePage(store, page, scorer);
}

/**
 * The attributes a search finds, a page at a time, each with its decay scores; with excludeDecayed,
 * those every scoring model finds decayed are left out before the limit and offset apply, as values on
 * warninglists are, so that a limit counts what is kept (MISP reads on to fill its limit too).
 */
export function scoredHitPages(store: Store, viewer: Viewer, filter: AttributeFilter, scorer: DecayScorer, lists?: WarninglistIndex): AsyncIterable<ScoredHit[]> {
  if (!scorer.excludeDecayed) return scoredPages(store, attributeHitPages(store, viewer, filter, lists), scorer);
  const { limit, offset, ...criteria } = filter;
  const pages = scoredPages(store, attributeHitPages(store, viewer, criteria, lists, pageFor(filter, PAGE)), scorer);
  return keptPages(pages, (h) => !allDecayed(h.decayScore), limit, offset);
}

async function* scoredExports(store: Store, pages: AsyncIterable<ExportAttribute[]>, scorer: DecayScorer): AsyncGenerator<ExportAttribute[]> {
  for await (const page of pages) {
    const lastSeen = await lastSeenOf(store, page.map((a) => a.id));
    const scores = await scorer.scores(page.map((a) => ({
      id: a.id, type: a.type, timestamp: a.timestamp, lastSeen: lastSeen.get(a.id) ?? null, tags: a.tags, eventTags: a.event.tags,
    })));
    yield page.map((a) => {
      const s = scores.get(a.id);
      return s ? { ...a, decayScores: s } : a;
    });
  }
}

/**
 * The attributes a line export sends, each with its decay scores; with `exclude` (excludeDecayed on
 * attributes/restSearch), those every scoring model finds decayed are left out before the limit applies.
 */
export function scoredExportPages(store: Store, viewer: Viewer, filter: AttributeFilter, scorer: DecayScorer, exclude: boolean, lists?: WarninglistIndex): AsyncIterable<ExportAttribute[]> {
  if (!exclude) return scoredExports(store, exportAttributePages(store, viewer, filter, lists), scorer);
  const { limit, offset, ...criteria } = filter;
  return keptPages(scoredExports(store, exportAttributePages(store, viewer, criteria, lists), scorer), (a) => !allDecayed(a.decayScores), limit, offset);
}
