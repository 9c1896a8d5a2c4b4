import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** A request as a peer received it: method, path, headers and the body decoded (gzip undone). */
export interface LoggedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

export interface LoopbackPeer {
  base: string;
  log: LoggedRequest[];
  close(): Promise<void>;
}

async function listen(server: Server, log: LoggedRequest[]): Promise<LoopbackPeer> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`, log,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function readBody(req: import('node:http').IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export const decoded = (raw: Buffer, headers: IncomingHttpHeaders) => (headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');

/** A loopback proxy in front of a server, logging what passes: what one instance asked another, and what it was answered. */
export async function loggingProxy(target: string): Promise<LoopbackPeer> {
  const log: LoggedRequest[] = [];
  const to = new URL(target);
  const server = createServer(async (req, res) => {
    const raw = await readBody(req);
    const entry: LoggedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body: decoded(raw, req.headers), status: 0 };
    log.push(entry);
    const out = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: { ...req.headers, host: to.host } }, (answer) => {
      entry.status = answer.statusCode ?? 0;
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', () => res.writeHead(502).end());
    out.end(raw);
  });
  return listen(server, log);
}

/** A loopback HTTP peer answering with the handler given, logging each request (bodies decoded). */
/** What a scripted peer answers. */
export interface PeerAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export async function scriptedPeer(handler: (r: LoggedRequest) => PeerAnswer): Promise<LoopbackPeer> {
  const log: LoggedRequest[] = [];
  const server = createServer(async (req, res) => {
    const raw = await readBody(req);
    const entry: LoggedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body: decoded(raw, req.headers), status: 0 };
    log.push(entry);
    const answer = handler(entry);
    entry.status = answer.status;
    const text = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    res.writeHead(answer.status, { 'Content-Type': 'application/json; charset=UTF-8', ...answer.headers }).end(req.method === 'HEAD' ? undefined : text);
  });
  return listen(server, log);
}
