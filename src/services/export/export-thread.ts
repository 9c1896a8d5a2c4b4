/**
 * A thread that produces exports (src/services/export/threads.ts): its own connections to the store,
 * its own settings cache, and any number of exports at once, each paced by its reader.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { openStore, type StoreConfig } from '../../store/db/database.js';
import { SettingsCache } from '../caches/settings.js';
import { ServiceError } from '../errors.js';
import { prepareExport } from './loop.js';
import type { ThreadJob, ThreadMessage } from './threads.js';

/** Pieces sent ahead of the reader: enough to keep the socket fed, few enough to bound memory. */
const AHEAD = 4;

// The server's process brought the schema up to date; a thread reads, and wants few connections.
const store = await openStore({ ...(workerData as StoreConfig), migrate: false, pgPoolSize: 4 });
const settings = new SettingsCache(store);

async function run(job: ThreadJob, port: MessagePort): Promise<void> {
  const send = (m: ThreadMessage) => port.postMessage(m);
  let credit = AHEAD;
  let wake: (() => void) | undefined;
  let cancelled = false;
  port.on('message', (m: 'more' | 'cancel') => {
    if (m === 'cancel') cancelled = true;
    else credit++;
    wake?.();
  });
  port.on('close', () => {
    cancelled = true;
    wake?.();
  });
  try {
    const correlation = await settings.correlation();
    const out = await prepareExport({
      store, viewer: job.viewer, correlation, baseUrl: job.baseUrl, ...(job.enforceWarninglist ? { warninglists: correlation.warninglists } : {}),
    }, job.request);
    send({ type: 'start', contentType: out.contentType });
    const it = out.chunks[Symbol.asyncIterator]();
    try {
      for (let next = await it.next(); !next.done && !cancelled; next = await it.next()) {
        send({ type: 'chunk', text: next.value });
        credit--;
        while (credit <= 0 && !cancelled) await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      // The reader went away: closing the generator stops the store's reads there.
      if (cancelled) await it.return?.();
    }
    send({ type: 'end' });
  } catch (err) {
    send(err instanceof ServiceError
      ? { type: 'failure', kind: err.kind, message: err.message, details: err.details }
      : { type: 'error', message: err instanceof Error ? err.stack ?? err.message : String(err) });
  } finally {
    port.close();
  }
}

parentPort!.on('message', (m: { job: ThreadJob; port: MessagePort }) => {
  void run(m.job, m.port);
});
parentPort!.postMessage('ready');
