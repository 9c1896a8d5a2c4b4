import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';

/** A loopback HTTP server over a folder, as a feed's host: ETag and If-None-Match, and a log of what was asked. */
export interface FeedServer {
  base: string;
  /** Every path asked for, with the status answered, in order. */
  log: Array<{ path: string; status: number }>;
  /** Paths answered 500 (a failing host), for as long as they stay listed. */
  failing: Set<string>;
  close(): Promise<void>;
}

export async function serveFolder(root: string): Promise<FeedServer> {
  const log: FeedServer['log'] = [];
  const failing = new Set<string>();
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    const answer = (status: number, body = '', headers: Record<string, string> = {}) => {
      log.push({ path, status });
      res.writeHead(status, headers).end(body);
    };
    if (failing.has(path)) return answer(500, 'down');
    const file = normalize(join(root, path));
    if (!file.startsWith(root) || !existsSync(file) || statSync(file).isDirectory()) return answer(404, 'not found');
    const body = readFileSync(file);
    const etag = `"${createHash('md5').update(body).digest('hex')}"`;
    if (req.headers['if-none-match'] === etag) return answer(304);
    answer(200, body.toString('utf8'), { ETag: etag, 'Content-Type': path.endsWith('.json') ? 'application/json' : 'text/plain' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`, log, failing,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
