import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '../../store/db/database.js';
import { feedUrls, insertFeed } from '../../store/feeds.js';
import { saveLibraryTags, tagId } from '../../store/tags.js';
import { ServiceError } from '../errors.js';
import { feedFields } from './config.js';

/**
 * Where a library folder (CAIRN_LIBRARIES) holds a list of feeds in MISP's feed-metadata format: the
 * file MISP ships as app/files/feed-metadata/defaults.json, as a checkout or a folder of libraries has it.
 */
const DEFAULT_LIST_NAMES = ['misp-default-feeds.json', join('feed-metadata', 'defaults.json'), join('app', 'files', 'feed-metadata', 'defaults.json')];

export function defaultFeedsFile(dirs: readonly string[]): string | undefined {
  for (const dir of dirs) {
    for (const name of DEFAULT_LIST_NAMES) {
      const file = join(dir, name);
      if (existsSync(file)) return file;
    }
  }
  return undefined;
}

/** The fields of MISP's importFeeds that a listed feed brings; `enabled` and `distribution` are not among them: each starts off. */
const IMPORTED = ['name', 'provider', 'url', 'rules', 'source_format', 'fixed_event', 'delta_merge', 'override_ids', 'publish', 'settings', 'lookup_visible', 'headers'];

export interface FeedListResult {
  successes: number;
  fails: number;
  /** Why each failed, by the name (or position) of the listed feed. */
  failures: Array<{ feed: string; reason: string }>;
}

/**
 * Adds the feeds of a list in MISP's feed-metadata format (`[{"Feed": {…}, "Tag": {…}}, …]`, or one such
 * entry) that are not here yet (known by url), each disabled, as MISP's importFeeds does; `asDefault`
 * marks them as default feeds (loadDefaultFeeds). A listed tag is made when missing.
 */
export async function importFeedList(store: Store, list: unknown, asDefault: boolean): Promise<FeedListResult> {
  let doc = list;
  if (typeof doc === 'string') {
    try {
      doc = JSON.parse(doc);
    } catch (err) {
      throw new ServiceError('invalid', `The feed list is not JSON: ${(err as Error).message}`);
    }
  }
  const entries = Array.isArray(doc) ? doc : doc && typeof doc === 'object' ? [doc] : [];
  const result: FeedListResult = { successes: 0, fails: 0, failures: [] };
  const known = await feedUrls(store);
  for (const [i, entry] of entries.entries()) {
    const e = (entry && typeof entry === 'object' ? entry : {}) as { Feed?: Record<string, unknown>; Tag?: { name?: unknown; colour?: unknown } };
    const raw = e.Feed && typeof e.Feed === 'object' ? e.Feed : (e as Record<string, unknown>);
    const label = typeof raw.name === 'string' ? raw.name : `entry ${i + 1}`;
    if (typeof raw.url === 'string' && known.has(raw.url)) continue;
    try {
      const picked = Object.fromEntries(IMPORTED.filter((k) => raw[k] !== undefined).map((k) => [k, raw[k]]));
      const fields = await feedFields(store, { ...picked, source_format: picked.source_format ?? 'misp', fixed_event: picked.fixed_event ?? false });
      let tag = 0;
      if (e.Tag && typeof e.Tag.name === 'string' && e.Tag.name.trim()) {
        const name = e.Tag.name.trim();
        if (typeof e.Tag.colour === 'string') await saveLibraryTags(store, [{ name, colour: e.Tag.colour }]);
        tag = (await tagId(store, name, true)) ?? 0;
      }
      await insertFeed(store, { ...fields, name: fields.name!, provider: fields.provider!, url: fields.url!, tagId: tag, isDefault: asDefault, enabled: false, cachingEnabled: false });
      known.add(fields.url!);
      result.successes++;
    } catch (err) {
      result.fails++;
      result.failures.push({ feed: label, reason: (err as Error).message });
    }
  }
  return result;
}

/** MISP's loadDefaultFeeds: the list found in the library folders, added as default feeds. */
export async function loadDefaultFeeds(store: Store, dirs: readonly string[]): Promise<FeedListResult> {
  const file = defaultFeedsFile(dirs);
  if (!file) {
    throw new ServiceError('invalid', dirs.length === 0
      ? 'No library folder is configured on this instance: the operator sets CAIRN_LIBRARIES to the folders holding MISP\'s libraries, one of which holds the default feed list (misp-default-feeds.json).'
      : `None of the library folders (${dirs.join(', ')}) holds a default feed list (${DEFAULT_LIST_NAMES.join(' or ')}).`);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ServiceError('invalid', `${file} could not be read: ${(err as Error).message}`);
  }
  return importFeedList(store, text, true);
}
