/**
 * What a thread of ExportThreads (threads.ts) does with an export: produces it on its own connections
 * to the store, any number at once, each paced by its reader.
 */
import type { MessagePort } from 'node:worker_threads';
import type { Store } from '../../store/db/database.js';
import type { SettingsCache } from '../caches/settings.js';
import { ServiceError } from '../errors.js';
import { prepareExport } from './loop.js';
import type { ThreadJob, ThreadMessage } from './threads.js';

/** Pieces sent ahead of the reader: enough to keep the socket fed, few enough to bound memory. */
const AHEAD = 4;

export async function runExportJob(store: Store, settings: SettingsCache, job: ThreadJob, port: MessagePort): Promise<void> {
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
