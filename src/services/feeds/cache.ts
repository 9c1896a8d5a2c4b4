import { isCompositeType, splitComposite } from '../../model/types.js';
import type { Feed } from '../../store/feeds.js';
import { replaceFeedValues, type FeedValueRow } from '../../store/feed-values.js';
import { isObject } from '../../formats/misp-json/coerce.js';
import { readSettings } from './config.js';
import { forEachFeedIndicator } from './freetext.js';
import { md5Prefix52 } from './md5-prefix.js';
import { feedEvent, feedManifest } from './misp.js';
import { FeedSourceError, readFeedFile } from './source.js';
import { emptyResult, type FeedRunContext, type FeedRunResult } from './run.js';

/** The 52-bit key of a value in the feed cache: the start of its MD5, the hash MISP feeds publish. */
export function hashOfMd5(md5: string): number {
  return parseInt(md5.slice(0, 13), 16);
}

/** hashOfMd5 of a value's MD5: the first 52 bits are the first 13 hex digits. */
export function valueHash(value: string): number {
  return md5Prefix52(value);
}

/** The hashes an attribute is looked up by: each part of a composite value apart, as MISP hashes them. */
export function attributeHashes(type: string, value: string): number[] {
  const parts = isCompositeType(type) ? splitComposite(type, value) ?? [value] : [value];
  return lookupHashes(parts);
}

/**
 * The hashes values are looked up by: as written and lower-cased (MISP hashes feed values as written
 * and searches them lower-cased), each once.
 */
export function lookupHashes(values: readonly string[]): number[] {
  const out = new Set<number>();
  for (const v of values) {
    const t = v.trim();
    if (t === '') continue;
    out.add(valueHash(t));
    out.add(valueHash(t.toLowerCase()));
  }
  return [...out];
}

/** A MISP feed's hashes.csv: `md5,event uuid` a line. */
function parseHashes(text: string): FeedValueRow[] {
  const rows: FeedValueRow[] = [];
  for (const line of text.split(/\r?\n/)) {
    const [md5, uuid] = line.trim().split(',');
    if (md5 && /^[0-9a-f]{32}$/i.test(md5)) rows.push({ hash: hashOfMd5(md5.toLowerCase()), value: null, eventUuid: uuid?.trim().toLowerCase() || null });
  }
  return rows;
}

/** Without hashes.csv, a MISP feed is cached from its events, each downloaded. */
async function hashesFromEvents(ctx: FeedRunContext, feed: Feed): Promise<FeedValueRow[]> {
  const manifest = await feedManifest(ctx, feed);
  if (manifest.status !== 'ok') return [];
  const rows: FeedValueRow[] = [];
  for (const entry of manifest.entries) {
    const doc = await feedEvent(ctx, feed, entry.uuid);
    const event = doc?.Event;
    if (!isObject(event)) continue;
    const attrs = [...(Array.isArray(event.Attribute) ? event.Attribute : []),
      ...(Array.isArray(event.Object) ? event.Object.flatMap((o) => (isObject(o) && Array.isArray(o.Attribute) ? o.Attribute : [])) : [])];
    for (const a of attrs) {
      if (!isObject(a) || typeof a.value !== 'string' || typeof a.type !== 'string') continue;
      const parts = isCompositeType(a.type) ? splitComposite(a.type, a.value) ?? [a.value] : [a.value];
      for (const p of parts) if (p !== '') rows.push({ hash: valueHash(p), value: null, eventUuid: entry.uuid });
    }
  }
  return rows;
}

/**
 * The cache rows of a CSV or free-text feed: each part of each indicator, with its hash. Repeated
 * values are told apart by their hash (distinctRows), cheaper than a map of a million texts.
 */
function indicatorRows(text: string, format: string, settings: ReturnType<typeof readSettings>): FeedValueRow[] {
  const rows: FeedValueRow[] = [];
  const add = (value: string) => {
    if (value !== '') rows.push({ hash: valueHash(value), value, eventUuid: null });
  };
  forEachFeedIndicator(text, format, settings, (h) => {
    if (!isCompositeType(h.default_type)) return add(h.value);
    for (const p of splitComposite(h.default_type, h.value) ?? [h.value]) add(p);
  });
  return rows;
}

/**
 * The rows with each (hash, feed event) once, and how many distinct values they hold. The hashes are
 * compared in a sorted typed array (no map of a million keys); only repeated ones are then filtered.
 */
function distinctRows(rows: FeedValueRow[]): { rows: FeedValueRow[]; values: number } {
  const sorted = Float64Array.from(rows, (r) => r.hash).sort();
  const repeated = new Set<number>();
  let values = sorted.length > 0 ? 1 : 0;
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i] !== sorted[i - 1]) values++;
    else repeated.add(sorted[i]!);
  }
  if (repeated.size === 0) return { rows, values };
  const seen = new Set<string>();
  return {
    rows: rows.filter((r) => {
      if (!repeated.has(r.hash)) return true;
      const key = `${r.hash} ${r.eventUuid ?? ''}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    }),
    values,
  };
}

/**
 * Caches a feed's values for feed hits, importing nothing: a MISP feed's hashes.csv (or its events when
 * it has none), a CSV or free-text feed's indicators. The feed's previous cache is replaced at once.
 */
export async function cacheFeed(ctx: FeedRunContext, feed: Feed): Promise<FeedRunResult> {
  const result = emptyResult(feed, 'cache');
  let rows: FeedValueRow[];
  if (feed.sourceFormat === 'misp') {
    try {
      const file = await readFeedFile(feed, 'hashes.csv', ctx.source);
      rows = file.status === 'ok' ? parseHashes(file.text) : [];
    } catch (err) {
      if (!(err instanceof FeedSourceError && err.status === 404)) throw err;
      rows = await hashesFromEvents(ctx, feed);
    }
  } else if (feed.sourceFormat === 'csv' || feed.sourceFormat === 'freetext') {
    const file = await readFeedFile(feed, '', ctx.source);
    rows = file.status === 'ok' ? indicatorRows(file.text, feed.sourceFormat, readSettings(feed.settings)) : [];
  } else {
    throw new FeedSourceError(`a ${feed.sourceFormat} feed is not cached: fetch it instead`);
  }
  const distinct = distinctRows(rows);
  await replaceFeedValues(ctx.store, feed.id, distinct.rows);
  result.values = distinct.values;
  return result;
}
