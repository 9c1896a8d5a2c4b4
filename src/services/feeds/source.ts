import { lookup } from 'node:dns/promises';
import { readFile, stat } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join, normalize, sep } from 'node:path';
import type { Store } from '../../store/db/database.js';
import type { Feed } from '../../store/feeds.js';
import { getSettings } from '../../store/settings.js';
import { headerLines, LOCAL_REFUSED } from './config.js';

/** How a feed's files are read: limits, and whether private addresses may be reached. */
export interface SourceOptions {
  /** `feeds.allow_private_networks`: loopback and private ranges may be fetched. */
  allowPrivate: boolean;
  /** `Security.disable_local_feed_access`: local feeds are not read. */
  localRefused?: boolean;
  /** Per request (default 30 s). */
  timeoutMs?: number;
  /** Largest answer read, in bytes (default 256 MB). */
  maxBytes?: number;
  /** Attempts for an answer that may pass if tried again (network errors, 5xx, 429); default 3. */
  attempts?: number;
}

/** A file of a feed: its text and the validators for the next conditional request, or unchanged since. */
export type SourceFile = { status: 'ok'; text: string; etag: string | null; lastModified: string | null; headers?: Headers } | { status: 'not-modified' };

/** A fetch that failed, with what to report. */
export class FeedSourceError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

/** Whether an address is loopback, private, link-local or otherwise not on the public internet. */
export function isPrivateAddress(address: string): boolean {
  const v = isIP(address);
  if (v === 4) {
    const [a, b] = address.split('.').map(Number) as [number, number];
    return a === 10 || a === 127 || a === 0 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)
      || (a === 100 && b >= 64 && b <= 127) || a >= 224;
  }
  if (v === 6) {
    const x = address.toLowerCase();
    if (x === '::1' || x === '::') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(x);
    if (mapped) return isPrivateAddress(mapped[1]!);
    return /^f[cd]/.test(x) || /^fe[89ab]/.test(x) || x.startsWith('ff');
  }
  return true;
}

/** Refuses a url whose host resolves to a private address, unless the instance allows them. */
async function checkHost(url: URL, options: SourceOptions): Promise<void> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new FeedSourceError(`${url.href}: only http and https feeds are fetched`);
  if (options.allowPrivate) return;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
  } catch (err) {
    throw new FeedSourceError(`${url.host} could not be resolved: ${(err as Error).message}`);
  }
  const inside = addresses.find(isPrivateAddress);
  if (inside) {
    throw new FeedSourceError(`${url.host} is a private or loopback address (${inside}); the instance setting feeds.allow_private_networks allows such feeds`);
  }
}

/** The url of a file of a network feed: the feed's url, then the file's path. */
export function fileUrl(feed: Pick<Feed, 'url'>, file: string): string {
  return file === '' ? feed.url : `${feed.url.replace(/\/+$/, '')}/${file}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readBody(res: Response, maxBytes: number, where: string): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) throw new FeedSourceError(`${where}: the answer (${declared} bytes) is larger than the limit of ${maxBytes} bytes`);
  if (!res.body) return '';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > maxBytes) throw new FeedSourceError(`${where}: the answer is larger than the limit of ${maxBytes} bytes`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * One file of a network feed, with the feed's headers; `since` makes it a conditional request (ETag,
 * If-Modified-Since) answered `not-modified` when the file did not change. Redirects are followed by
 * hand, each target checked like the url itself; transient failures are tried again with backoff.
 */
async function fetchNetwork(feed: Feed, file: string, options: SourceOptions, since?: { etag: string | null; lastModified: string | null }, request: { url?: string; accept?: string } = {}): Promise<SourceFile> {
  const timeout = options.timeoutMs ?? 30_000;
  const maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
  const attempts = Math.max(1, options.attempts ?? 3);
  const headers: Record<string, string> = { Accept: request.accept ?? 'application/json, text/plain, text/*', 'User-Agent': 'Cairn feed fetcher', ...headerLines(feed.headers) };
  if (since?.etag) headers['If-None-Match'] = since.etag;
  if (since?.lastModified) headers['If-Modified-Since'] = since.lastModified;
  let lastError: FeedSourceError | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) await sleep(Math.min(5000, 250 * 2 ** (attempt - 2)));
    let url = new URL(request.url ?? fileUrl(feed, file));
    try {
      for (let hop = 0; ; hop++) {
        await checkHost(url, options);
        const res = await fetch(url, { headers, redirect: 'manual', signal: AbortSignal.timeout(timeout) });
        if (res.status >= 300 && res.status < 400 && res.status !== 304 && res.headers.get('location')) {
          await res.body?.cancel();
          if (hop >= 5) throw new FeedSourceError(`${url.href}: too many redirects`);
          url = new URL(res.headers.get('location')!, url);
          continue;
        }
        if (res.status === 304) {
          await res.body?.cancel();
          return { status: 'not-modified' };
        }
        if (!res.ok) {
          await res.body?.cancel();
          const err = new FeedSourceError(`${url.href} answered ${res.status} ${res.statusText}`.trim(), res.status);
          if (res.status >= 500 || res.status === 429) throw err;
          // A 4xx will answer the same again.
          throw Object.assign(err, { final: true });
        }
        const text = await readBody(res, maxBytes, url.href);
        return { status: 'ok', text, etag: res.headers.get('etag'), lastModified: res.headers.get('last-modified'), headers: res.headers };
      }
    } catch (err) {
      const e = err instanceof FeedSourceError ? err : new FeedSourceError(`${url.href}: ${(err as Error).name === 'TimeoutError' ? `no answer within ${timeout} ms` : (err as Error).message}`);
      if ((e as { final?: boolean }).final || /private or loopback|only http|larger than the limit|could not be resolved/.test(e.message)) throw e;
      lastError = e;
    }
  }
  throw lastError ?? new FeedSourceError(`${feed.url}: could not be fetched`);
}

/** One file of a local feed (a folder, or the file itself when `file` is empty); a path may not leave the folder. */
async function readLocal(feed: Feed, file: string, options: SourceOptions, since?: { lastModified: string | null }): Promise<SourceFile> {
  const root = normalize(feed.url);
  const path = file === '' ? root : normalize(join(root, file));
  if (file !== '' && !path.startsWith(root.endsWith(sep) ? root : root + sep)) throw new FeedSourceError(`${file}: not inside the feed's folder`);
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new FeedSourceError(`${path} does not exist`, 404);
  }
  const modified = info.mtime.toUTCString();
  if (since?.lastModified === modified) return { status: 'not-modified' };
  const max = options.maxBytes ?? 256 * 1024 * 1024;
  if (info.size > max) throw new FeedSourceError(`${path} (${info.size} bytes) is larger than the limit of ${max} bytes`);
  return { status: 'ok', text: await readFile(path, 'utf8'), etag: null, lastModified: modified };
}

/** A file of a feed, from the network or its local folder as the feed says. */
export function readFeedFile(feed: Feed, file: string, options: SourceOptions, since?: { etag: string | null; lastModified: string | null }): Promise<SourceFile> {
  if (feed.inputSource === 'local' && options.localRefused) return Promise.reject(new FeedSourceError(LOCAL_REFUSED));
  return feed.inputSource === 'local' ? readLocal(feed, file, options, since) : fetchNetwork(feed, file, options, since);
}

/** How feeds are read under the instance's settings, within these limits. */
export async function sourceOptions(store: Store, limits: Omit<SourceOptions, 'allowPrivate' | 'localRefused'> = {}): Promise<SourceOptions> {
  const settings = await getSettings(store);
  return { ...limits, allowPrivate: settings['feeds.allow_private_networks'] === 'true', localRefused: settings['feeds.disable_local_access'] === 'true' };
}

/** A url of a network feed's host other than its files (a TAXII page), with the feed's headers and the same checks and limits. */
export function fetchFeedUrl(feed: Feed, url: string, options: SourceOptions, accept: string): Promise<SourceFile> {
  return fetchNetwork(feed, '', options, undefined, { url, accept });
}
