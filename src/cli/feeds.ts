import { listFeeds, findFeed, insertFeed, updateFeed, type Feed } from '../store/feeds.js';
import { feedFields } from '../services/feeds/config.js';
import { loadDefaultFeeds } from '../services/feeds/defaults.js';
import { FeedRunner } from '../services/feeds/runner.js';
import type { FeedRunResult } from '../services/feeds/run.js';
import { ServiceError } from '../services/errors.js';
import { WriteQueue } from '../services/write-queue.js';
import type { Store } from '../store/db/database.js';
import { CliError, withStore, writeOut } from './context.js';
import { libraryDirsFromEnv } from './serve.js';

export interface FeedsOptions {
  format?: string;
  provider?: string;
  local?: boolean;
  distribution?: string;
  interval?: string;
  enable?: boolean;
  cache?: boolean;
  all?: boolean;
  json?: boolean;
}

const line = (f: Feed) => `${String(f.id).padStart(4)}  ${f.enabled ? 'enabled ' : 'disabled'}  ${f.cachingEnabled ? 'cached' : '      '}  ${f.sourceFormat.padEnd(8)}  ${f.name}  ${f.url}${f.intervalMinutes ? `  every ${f.intervalMinutes} min` : ''}`;

function runLine(r: FeedRunResult): string {
  const e = r.events;
  if (r.outcome === 'failed') return `feed ${r.feedId}: failed: ${r.errors.join('; ')}`;
  if (r.outcome === 'not-modified') return `feed ${r.feedId}: not changed since the last fetch`;
  if (r.kind === 'cache') return `feed ${r.feedId}: ${r.values} values cached`;
  return `feed ${r.feedId}: ${e.created} new, ${e.updated} updated, ${e.unchanged} unchanged, ${e.refused} refused, ${e.filtered} filtered event(s); ${r.attributes} attribute(s) written`
    + (r.errors.length ? `; ${r.errors.length} error(s): ${r.errors.slice(0, 3).join('; ')}` : '');
}

async function feedIds(store: Store, args: readonly string[], all: boolean, which: (f: Feed) => boolean): Promise<number[]> {
  if (all) return (await listFeeds(store)).filter(which).map((f) => f.id);
  if (args.length === 0) throw new CliError('name the feeds by id, or give --all');
  const ids = args.map((a) => (/^\d+$/.test(a) ? Number(a) : NaN));
  const bad = args.filter((_, n) => Number.isNaN(ids[n]));
  if (bad.length) throw new CliError(`feeds are named by id, not "${bad.join('", "')}"`);
  for (const id of ids) if (!(await findFeed(store, id))) throw new CliError(`there is no feed ${id}`);
  return ids;
}

/**
 * `cairn feeds`: list the feeds; `add NAME URL` (--format, --provider, --local, --distribution,
 * --interval, --enable, --cache); `enable|disable ID...`; `fetch ID...|--all`; `cache ID...|--all`;
 * `defaults` (the list in CAIRN_LIBRARIES). Fetches write through the same import pipeline as the server.
 */
export async function feedsCommand(action: string | undefined, args: string[], options: FeedsOptions): Promise<number> {
  return withStore(async (store) => {
    try {
      return await feedsAction(store, action, args, options);
    } catch (err) {
      if (err instanceof ServiceError) throw new CliError(err.message);
      throw err;
    }
  });
}

async function feedsAction(store: Store, action: string | undefined, args: string[], options: FeedsOptions): Promise<number> {
  switch (action) {
    case undefined:
    case 'list': {
      const feeds = await listFeeds(store);
      await writeOut(options.json ? `${JSON.stringify(feeds, null, 2)}\n` : feeds.map(line).join('\n') + (feeds.length ? '\n' : ''));
      return 0;
    }
    case 'add': {
      const [name, url] = args;
      if (!name || !url) throw new CliError('give the feed\'s name and url: cairn feeds add NAME URL');
      const fields = await feedFields(store, {
        name, url, provider: options.provider ?? name, source_format: options.format ?? 'misp', input_source: options.local ? 'local' : 'network',
        distribution: options.distribution ?? '0', interval_minutes: options.interval ?? '0', enabled: options.enable === true, caching_enabled: options.cache === true,
        fixed_event: true,
      });
      const id = await insertFeed(store, { ...fields, name: fields.name!, provider: fields.provider!, url: fields.url! });
      await writeOut(`${line((await findFeed(store, id))!)}\n`);
      return 0;
    }
    case 'enable':
    case 'disable': {
      for (const id of await feedIds(store, args, options.all === true, () => true)) await updateFeed(store, id, { enabled: action === 'enable' });
      return 0;
    }
    case 'fetch':
    case 'cache': {
      const ids = await feedIds(store, args, options.all === true, (f) => (action === 'fetch' ? f.enabled : f.cachingEnabled));
      const runner = new FeedRunner(store, new WriteQueue(store));
      let failed = 0;
      try {
        for (const id of ids) {
          const r = await runner.run(id, action);
          if (r.outcome === 'failed') failed++;
          await writeOut(`${options.json ? JSON.stringify(r) : runLine(r)}\n`);
        }
      } finally {
        await runner.close();
      }
      return failed ? 1 : 0;
    }
    case 'defaults': {
      const dirs = args.length ? args : libraryDirsFromEnv(process.env.CAIRN_LIBRARIES);
      const r = await loadDefaultFeeds(store, dirs);
      await writeOut(`${r.successes} default feed(s) added, all disabled${r.fails ? `; ${r.fails} could not be: ${r.failures.map((f) => `${f.feed} (${f.reason})`).join('; ')}` : ''}\n`);
      return 0;
    }
    default:
      throw new CliError(`unknown action "${action}": list, add, enable, disable, fetch, cache or defaults`);
  }
}
