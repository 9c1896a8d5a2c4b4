import { MessageChannel, Worker } from 'node:worker_threads';
import type { Viewer } from '../../access/viewer.js';
import type { StoreConfig } from '../../store/db/database.js';
import { ServiceError, type FailureKind } from '../errors.js';
import type { Export, ExportRequest } from './loop.js';

/** An export as a thread takes it: everything the loop needs but what the thread has of its own (store, settings). */
export interface ThreadJob {
  viewer: Viewer;
  baseUrl: string;
  /** Leave out the values of the enabled warninglists (the thread reads which are enabled). */
  enforceWarninglist: boolean;
  request: ExportRequest;
}

/** What a thread tells about one export: its start, each piece, its end, or why it failed. */
export type ThreadMessage =
  | { type: 'start'; contentType: string }
  | { type: 'chunk'; text: string }
  | { type: 'end' }
  | { type: 'failure'; kind: FailureKind; message: string; details: Record<string, unknown> }
  | { type: 'error'; message: string };

/** A whole HTTP request, as a thread answers it (`ExportThreads.answer`): the caller has checked who asks. */
export interface ThreadRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body?: string;
  remoteAddress: string;
}

/** A thread's answer to a request: its body whole, handed over without a copy. */
export interface ThreadAnswer {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: Uint8Array;
}

/**
 * Starts a thread on `entry`, a module that answers what run and answer send. Built, the sources are
 * .js and the thread runs its file; under tsx (development, tests) they are .ts, and a thread does not
 * inherit the loader that `--import tsx` registered for the main one: the thread registers it first.
 */
function startThread(workerData: ThreadData, entry: URL): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData });
  const loader = import.meta.resolve('tsx/esm/api');
  return new Worker(`import(${JSON.stringify(loader)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`, { eval: true, workerData });
}

/** What a thread starts with: the store to open, and what its entry wants besides (the server's options). */
export interface ThreadData {
  store: StoreConfig;
  options?: Record<string, unknown>;
}

/**
 * The server's threads, each with its own connections to the store: they produce exports of events, and
 * answer whole the read requests the server hands them (src/api/offload.ts). An export of events reads
 * and writes each event whole (a 3,000-attribute event costs ~100 ms), an event view or an index page
 * can cost seconds, which on the server's own thread would hold every other request for as long; here
 * the server's thread only passes the pieces on, and the operating system shares the cores. Each thread
 * runs any number of exports at once, a few pieces ahead of its reader: a client that reads slowly
 * holds memory bounded by those pieces and its socket.
 */
export class ExportThreads {
  /** Each thread, and what it runs: exports (long) and requests (short). */
  private started: Array<{ worker: Worker; ready: Promise<void>; running: number; exports: number }> | undefined;

  /**
   * Threads start at the first export: a server that never exports events never pays for them. `entry`
   * is the module each thread runs (the server's: src/api/serving-thread.ts).
   */
  constructor(private readonly config: StoreConfig, private readonly size: number, private readonly entry: URL, private readonly options: Record<string, unknown> = {}) {}

  /** Whether a store's exports can run on threads: a database in memory is this connection's alone. */
  static canServe(config: StoreConfig | undefined): config is StoreConfig {
    return config !== undefined && (config.databaseUrl !== undefined || config.sqlitePath !== ':memory:');
  }

  private get threads() {
    if (this.started) return this.started;
    this.started = Array.from({ length: Math.max(1, this.size) }, () => {
      const worker = startThread({ store: this.config, options: this.options }, this.entry);
      // An idle thread does not keep the process alive.
      worker.unref();
      const ready = new Promise<void>((resolve, reject) => {
        worker.once('message', () => resolve());
        worker.once('error', reject);
      });
      ready.catch(() => undefined);
      return { worker, ready, running: 0, exports: 0 };
    });
    return this.started;
  }

  /** Starts the threads now rather than at the first export or request, which would wait for them; resolves once they are ready. */
  async start(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.ready));
  }

  /**
   * Runs an export on the least busy thread. Resolves once the export has started (what the loop refuses,
   * it refuses before its first piece: the same ServiceError is thrown here), with its pieces to come.
   */
  async run(job: ThreadJob): Promise<Export> {
    const thread = this.threads.reduce((a, b) => (b.running < a.running ? b : a));
    await thread.ready;
    const { port1, port2 } = new MessageChannel();
    thread.running++;
    thread.exports++;
    let finished = false;
    const done = () => {
      if (finished) return;
      finished = true;
      thread.running--;
      thread.exports--;
      port1.close();
    };
    const queue: ThreadMessage[] = [];
    let wake: (() => void) | undefined;
    const onExit = () => {
      queue.push({ type: 'error', message: 'the export thread stopped' });
      wake?.();
    };
    thread.worker.once('exit', onExit);
    port1.on('message', (m: ThreadMessage) => {
      queue.push(m);
      wake?.();
    });
    const next = async (): Promise<ThreadMessage> => {
      while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      return queue.shift()!;
    };
    thread.worker.postMessage({ job, port: port2 }, [port2]);

    const fail = (m: ThreadMessage): never => {
      done();
      thread.worker.off('exit', onExit);
      if (m.type === 'failure') throw new ServiceError(m.kind, m.message, m.details);
      throw new Error(m.type === 'error' ? m.message : `unexpected ${m.type} from the export thread`);
    };
    const first = await next();
    if (first.type !== 'start') return fail(first);
    async function* chunks(): AsyncGenerator<string> {
      try {
        for (;;) {
          const m = await next();
          if (m.type === 'end') return;
          if (m.type !== 'chunk') return fail(m);
          port1.postMessage('more');
          yield m.text;
        }
      } finally {
        if (!finished) port1.postMessage('cancel');
        done();
        thread.worker.off('exit', onExit);
      }
    }
    return { contentType: first.contentType, chunks: chunks() };
  }

  /**
   * Answers a whole request on the least busy thread, which reads, shapes and serialises it there: what
   * this thread does is pass the request on and the finished bytes back.
   */
  async answer(request: ThreadRequest): Promise<ThreadAnswer> {
    // A thread busy with exports answers a request between two of their pieces: another is better.
    const thread = this.threads.reduce((a, b) => (b.exports < a.exports || (b.exports === a.exports && b.running < a.running) ? b : a));
    await thread.ready;
    const { port1, port2 } = new MessageChannel();
    thread.running++;
    try {
      return await new Promise<ThreadAnswer>((resolve, reject) => {
        const onExit = () => reject(new Error('the serving thread stopped'));
        thread.worker.once('exit', onExit);
        port1.once('message', (m: ThreadAnswer | { error: string }) => {
          thread.worker.off('exit', onExit);
          if ('error' in m) reject(new Error(m.error));
          else resolve(m);
        });
        thread.worker.postMessage({ request, port: port2 }, [port2]);
      });
    } finally {
      thread.running--;
      port1.close();
    }
  }

  async close(): Promise<void> {
    await Promise.all((this.started ?? []).map((t) => t.worker.terminate()));
    this.started = undefined;
  }
}
