import { Worker } from 'node:worker_threads';
import { eventsOf, type InputItem } from '../../formats/input.js';
import type { ParseOptions } from '../../formats/misp-json/parse.js';
import { parseEvents, type ParsedItem } from './parsed-event.js';
import type { ParseRequest } from './parse-worker.js';

/**
 * A worker thread running the module at `entry` (a `.ts` URL when run from source). Built, the worker
 * is JavaScript next to it. Run from source (tests, benchmarks) it is TypeScript, and Node 20 does not
 * hand `--import` loaders on to workers: a small bootstrap registers tsx in the worker first.
 */
export function startModuleWorker(entry: URL): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry);
  const boot = `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))};
register();
await import(${JSON.stringify(entry.href)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`));
}

function startWorker(): Worker {
  const here = import.meta.url;
  return startModuleWorker(new URL(here.endsWith('.ts') ? './parse-worker.ts' : './parse-worker.js', here));
}

/** Documents handed to the worker ahead of the one being stored, unless the caller asks for more. */
const IN_FLIGHT = 4;
/** Whatever the number asked for, no more than this many bytes of documents beyond the first. */
const AHEAD_BYTES = 64 * 1024 * 1024;

/**
 * Parses and validates the input on a worker thread while the calling thread writes to the store: on
 * two cores the two overlap (`ahead` documents at most are parsed ahead). Results come back in input order. Items already parsed (streamed input)
 * are validated here.
 */
export async function* parseInputs(items: AsyncIterable<InputItem>, options: ParseOptions, ahead = IN_FLIGHT): AsyncGenerator<ParsedItem> {
  const worker = startWorker();
  const waiting = new Map<number, { resolve: (items: ParsedItem[]) => void; reject: (err: Error) => void }>();
  let failure: Error | undefined;
  const fail = (err: Error) => {
    failure = err;
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  };
  worker.on('message', (m: { id: number; items: ParsedItem[] }) => {
    waiting.get(m.id)?.resolve(m.items);
    waiting.delete(m.id);
  });
  worker.on('error', fail);
  worker.on('exit', (code) => {
    if (waiting.size > 0) fail(new Error(`the parsing worker stopped (exit code ${code})`));
  });
  let next = 0;
  const send = (item: ParseRequest['item']): Promise<ParsedItem[]> => {
    if (failure) return Promise.reject(failure);
    const id = next++;
    // Bytes that own their memory move to the worker instead of being copied.
    const bytes = 'bytes' in item ? item.bytes : undefined;
    const owned = bytes !== undefined && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      worker.postMessage({ id, item, options } satisfies ParseRequest, owned ? [bytes.buffer as ArrayBuffer] : []);
    });
  };
  const queue: Array<Promise<ParsedItem[]>> = [];
  // The size of each document queued, so that a few very large ones are not all held at once.
  const sizes: number[] = [];
  let queuedBytes = 0;
  const take = (): Promise<ParsedItem[]> => {
    queuedBytes -= sizes.shift()!;
    return queue.shift()!;
  };
  try {
    for await (const item of items) {
      const size = 'text' in item ? item.text.length : 'bytes' in item ? item.bytes.byteLength : 0;
      if ('text' in item || 'bytes' in item) {
        queue.push(send(item));
      } else {
        queue.push(Promise.resolve(parseEvents(eventsOf(item), options)));
      }
      sizes.push(size);
      queuedBytes += size;
      while (queue.length > ahead || (queue.length > 1 && queuedBytes > AHEAD_BYTES)) yield* await take();
    }
    while (queue.length > 0) yield* await take();
  } finally {
    // Rejections of results nobody will read any more must not surface as unhandled.
    for (const q of queue) q.catch(() => undefined);
    await worker.terminate();
  }
}
