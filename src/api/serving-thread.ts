/**
 * A thread of the server's pool (ExportThreads): its own connections to the store, and on them the
 * exports of events (services/export/thread-jobs.ts) and whole read requests the server's thread hands
 * over (offload.ts), answered by a server of its own that is never listening: what reads and serialises
 * a large answer here holds no other request of the process.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { FastifyInstance } from 'fastify';
import { openStore } from '../store/db/database.js';
import { SettingsCache } from '../services/caches/settings.js';
import { runExportJob } from '../services/export/thread-jobs.js';
import type { ThreadAnswer, ThreadData, ThreadJob, ThreadRequest } from '../services/export/threads.js';
import { buildServer, type ServerOptions } from './server.js';

const data = workerData as ThreadData;
// The server's process brought the schema up to date; a thread reads, and wants few connections.
const store = await openStore({ ...data.store, migrate: false, pgPoolSize: 4 });
const settings = new SettingsCache(store);
let app: Promise<FastifyInstance> | undefined;

/** The thread's server, built at its first request, or as the thread starts when it is to answer requests. */
function server(): Promise<FastifyInstance> {
  // No threads of its own: what it is given, it answers here.
  const { answersRequests: _, ...options } = (data.options ?? {}) as ServerOptions & { answersRequests?: boolean };
  app ??= buildServer(store, { ...options, exportThreads: 0 }).then(async (a) => {
    await a.ready();
    return a;
  });
  return app;
}

async function answer(request: ThreadRequest, port: MessagePort): Promise<void> {
  try {
    const res = await (await server()).inject({
      method: request.method as 'GET', url: request.url, headers: request.headers as Record<string, string>,
      remoteAddress: request.remoteAddress, ...(request.body !== undefined ? { payload: request.body } : {}),
    });
    // A copy of the body of its own, whose memory goes to the other thread without another copy.
    const body = new Uint8Array(res.rawPayload);
    const answer: ThreadAnswer = { status: res.statusCode, headers: res.headers, body };
    port.postMessage(answer, [body.buffer]);
  } catch (err) {
    port.postMessage({ error: err instanceof Error ? err.stack ?? err.message : String(err) });
  } finally {
    port.close();
  }
}

parentPort!.on('message', (m: { job: ThreadJob; port: MessagePort } | { request: ThreadRequest; port: MessagePort }) => {
  if ('job' in m) void runExportJob(store, settings, m.job, m.port);
  else void answer(m.request, m.port);
});
// A thread that is given requests is ready once its server is built: the first is not kept waiting for that.
if (data.options?.answersRequests) await server();
parentPort!.postMessage('ready');
