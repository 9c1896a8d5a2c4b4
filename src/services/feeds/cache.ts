import { createHash } from 'node:crypto';
import { isCompositeType, splitComposite } from '../../model/types.js';
import type { Feed } from '../../store/feeds.js';
import { replaceFeedValues, type FeedValueRow } from '../../store/feed-values.js';
import { isObject } from '../../formats/misp-json/coerce.js';
import { readSettings } from './config.js';
import { feedIndicators } from './freetext.js';
import { feedEvent, feedManifest } from './misp.js';
import { FeedSourceError, readFeedFile } from './source.js';
import { emptyResult, type FeedRunContext, type FeedRunResult } from './run.js';

/** The 52-bit key of a value in the feed cache: the start of its MD5, the hash MISP feeds publish. */
export function hashOfMd5(md5: string): number {
  return parseInt(md5.slice(0, 13), 16);
}

export function valueHash(value: string): number {
  return hashOfMd5(createHash('md5').update(value, 'utf8').digest('hex'));
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
    const hits = file.status === 'ok' ? feedIndicators(file.text, feed.sourceFormat, readSettings(feed.settings)) : [];
    rows = hits.flatMap((h) => {
      const parts = isCompositeType(h.default_type) ? splitComposite(h.default_type, h.value) ?? [h.value] : [h.value];
      return parts.filter((p) => p !== '').map((p) => ({ hash: valueHash(p), value: p, eventUuid: null }));
    });
  } else {
    throw new FeedSourceError(`a ${feed.sourceFormat} feed is not cached: fetch it instead`);
  }
  await replaceFeedValues(ctx.store, feed.id, rows);
  result.values = new Set(rows.map((r) => r.hash)).size;
  return result;
}
