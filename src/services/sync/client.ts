import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { promisify } from 'node:util';
import { brotliDecompress, gunzip, gzip, inflate } from 'node:zlib';
import type { Store } from '../../store/db/database.js';
import { serverAuthkey, type Server } from '../../store/servers.js';

const gzipAsync = promisify(gzip);
const decoders: Record<string, (b: Buffer) => Promise<Buffer>> = {
  gzip: promisify(gunzip), 'x-gzip': promisify(gunzip), br: promisify(brotliDecompress), deflate: promisify(inflate),
};

/** A request to a remote that did not get the answer it needed: the status (none: no answer at all) and what the remote said. */
export class RemoteError extends Error {
  constructor(message: string, readonly status?: number, readonly body?: string) {
    super(message);
  }
}

export interface RemoteAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export interface RequestOptions {
  body?: unknown;
  /** Extra headers (If-None-Match). */
  headers?: Record<string, string>;
  /** Statuses answered as they are, not as errors (404 of an add, 304 of an index). */
  accept?: readonly number[];
}

export interface ClientOptions {
  /** Per request, in ms (default 60 s). */
  timeoutMs?: number;
  /** Attempts for what may pass when tried again: no answer, 429, 502–504 (default 3). */
  attempts?: number;
  /** Largest answer read, in bytes (default 512 MB). */
  maxBytes?: number;
  /** When the run this client serves must end (ms since the epoch): no request starts after it. */
  deadline?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Bodies above this go compressed when the remote reads gzip, as MISP sends its larger ones. */
const COMPRESS_ABOVE = 1024;
const RETRIED = new Set([429, 502, 503, 504]);

/**
 * The sync client's HTTP connection to one remote: MISP's headers (the remote's key, JSON both ways,
 * compressed answers), requests only under the URL an administrator configured (a path never leaves it,
 * redirects are not followed), TLS verified unless the server is marked self_signed, a timeout per
 * request, retries with backoff for what may pass when tried again, connections kept alive for a run.
 */
export class RemoteClient {
  private readonly base: URL;
  private readonly agent: HttpAgent | HttpsAgent;
  /** Request encodings the remote reads (servers/getVersion's request_encoding). */
  requestEncodings: readonly string[] = [];

  constructor(readonly server: Server, private readonly authkey: string, private readonly options: ClientOptions = {}) {
    this.base = new URL(server.url);
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:') throw new RemoteError(`${server.url}: only http and https servers are synced with`);
    this.agent = this.base.protocol === 'https:'
      ? new HttpsAgent({ keepAlive: true, maxSockets: 8, rejectUnauthorized: !server.flags.self_signed })
      : new HttpAgent({ keepAlive: true, maxSockets: 8 });
  }

  /** A client for a stored server, with its key unsealed for this client only. */
  static async open(store: Store, server: Server, options: ClientOptions = {}): Promise<RemoteClient> {
    const key = await serverAuthkey(store, server.id);
    if (!key) throw new RemoteError(`server ${server.id} has no key`);
    return new RemoteClient(server, key, options);
  }

  /** The URL of a path under the configured one; anything that would leave it is refused. */
  private urlOf(path: string): URL {
    if (!path.startsWith('/') || path.startsWith('//') || /[\r\n]/.test(path)) throw new RemoteError(`not a path under the server's url: ${path}`);
    const url = new URL(this.base.href.replace(/\/+$/, '') + path);
    if (url.origin !== this.base.origin) throw new RemoteError(`not a path under the server's url: ${path}`);
    return url;
  }

  async request(method: string, path: string, options: RequestOptions = {}): Promise<RemoteAnswer> {
    const url = this.urlOf(path);
    if (this.options.deadline !== undefined && Date.now() > this.options.deadline) throw new RemoteError('The run took longer than its time limit and was stopped.');
    let body: Buffer | undefined;
    const headers: Record<string, string> = {
      Authorization: this.authkey, Accept: 'application/json', 'Content-Type': 'application/json',
      'Accept-Encoding': 'gzip, deflate, br', 'User-Agent': 'Cairn sync client', ...options.headers,
    };
    if (options.body !== undefined) {
      body = Buffer.from(typeof options.body === 'string' ? options.body : JSON.stringify(options.body), 'utf8');
      if (body.length > COMPRESS_ABOVE && this.requestEncodings.includes('gzip')) {
        body = await gzipAsync(body);
        headers['Content-Encoding'] = 'gzip';
      }
      headers['Content-Length'] = String(body.length);
    }
    const attempts = Math.max(1, this.options.attempts ?? 3);
    let last: RemoteError | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) await sleep(Math.min(8000, 500 * 2 ** (attempt - 2)));
      try {
        const answer = await this.once(method, url, headers, body);
        if (answer.status >= 200 && answer.status < 300) return answer;
        if (options.accept?.includes(answer.status)) return answer;
        const err = new RemoteError(`${method} ${url.pathname} answered ${answer.status}: ${messageOf(answer.text)}`, answer.status, answer.text);
        if (!RETRIED.has(answer.status)) throw err;
        last = err;
      } catch (err) {
        if (err instanceof RemoteError && err.status !== undefined && !RETRIED.has(err.status)) throw err;
        last = err instanceof RemoteError ? err : new RemoteError(`${method} ${url.pathname}: ${(err as Error).message}`);
      }
    }
    throw last!;
  }

  private once(method: string, url: URL, headers: Record<string, string>, body: Buffer | undefined): Promise<RemoteAnswer> {
    const timeout = this.options.timeoutMs ?? 60_000;
    const maxBytes = this.options.maxBytes ?? 512 * 1024 * 1024;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<RemoteAnswer>((resolve, reject) => {
      const req = send(url, { method, headers, agent: this.agent, timeout }, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > maxBytes) req.destroy(new RemoteError(`${url.pathname}: the answer is larger than ${maxBytes} bytes`));
          else chunks.push(c);
        });
        res.on('error', reject);
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          const encoding = String(res.headers['content-encoding'] ?? '').trim().toLowerCase();
          const decode = decoders[encoding];
          (decode && raw.length > 0 ? decode(raw) : Promise.resolve(raw)).then(
            (b) => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: b.toString('utf8') }),
            (err: Error) => reject(new RemoteError(`${url.pathname}: the answer is not valid ${encoding}: ${err.message}`)),
          );
        });
      });
      req.on('timeout', () => req.destroy(new RemoteError(`${method} ${url.pathname}: no answer within ${timeout} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  /** A JSON answer; a body that is not JSON is the remote's error. */
  async json<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const answer = await this.request(method, path, options);
    return parseJson<T>(answer, path);
  }

  close(): void {
    this.agent.destroy();
  }
}

export function parseJson<T>(answer: RemoteAnswer, path: string): T {
  try {
    return JSON.parse(answer.text) as T;
  } catch {
    throw new RemoteError(`${path}: the answer is not JSON (${answer.text.slice(0, 80)})`, answer.status, answer.text);
  }
}

/** What a remote's error answer says, short: MISP's message, errors or name. */
export function messageOf(text: string): string {
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    const m = v.errors ?? v.message ?? v.name;
    if (m !== undefined) return typeof m === 'string' ? m : JSON.stringify(m);
  } catch {
    // not JSON: the text itself
  }
  return text.slice(0, 200);
}
