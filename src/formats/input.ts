import { stixToEvents } from './stix/import.js';
import { createReadStream, existsSync, openSync, readSync, closeSync, statSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import StreamArray from 'stream-json/streamers/StreamArray.js';
import Pick from 'stream-json/filters/Pick.js';
import { isObject } from './misp-json/coerce.js';
import { looksLikeEvent, otherMispKind } from './misp-json/kinds.js';
import { isUuid } from '../model/event.js';

/**
 * One event's JSON as read, the text of a file still to be parsed (a document of one or more events;
 * see `eventsInText`) or its UTF-8 bytes as read from disk, or why a piece of input could not be read.
 * Files come as bytes so that decoding them, like parsing, happens on the parsing worker.
 */
export type InputItem =
  | { source: string; json: unknown }
  | { source: string; text: string }
  | { source: string; bytes: Uint8Array }
  | { source: string; error: string };

/** The text of UTF-8 bytes. */
export function decodeText(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/** The events of an item, parsing its text here when it has not been parsed yet. */
export function* eventsOf(item: InputItem): Generator<{ source: string; json: unknown } | { source: string; error: string }> {
  if ('text' in item) yield* eventsInText(item.text, item.source);
  else if ('bytes' in item) yield* eventsInText(decodeText(item.bytes), item.source);
  else yield item;
}

/** Files above this size are parsed as a stream, one event at a time, instead of whole. */
const STREAM_ABOVE_BYTES = 16 * 1024 * 1024;

/** The events of one parsed JSON document: an event, an array of events, `{"response": [...]}`, or a STIX 2.1 bundle. */
export function* eventsOfDocument(doc: unknown, source: string): Generator<{ source: string; json: unknown } | { source: string; error: string }> {
  if (isObject(doc) && doc.type === 'bundle') {
    const read = stixToEvents(doc);
    // What STIX holds that MISP cannot is reported, not dropped in silence.
    for (const u of read.unmapped) yield { source, error: `STIX ${u.id}: ${u.reason}` };
    for (const e of read.events) yield { source: `${source} (${String(e.Event.uuid)})`, json: e };
    return;
  }
  const list = Array.isArray(doc) ? doc : isObject(doc) && Array.isArray(doc.response) ? doc.response : undefined;
  if (list) {
    for (let i = 0; i < list.length; i++) {
      const kind = otherMispKind(list[i]);
      if (kind) yield { source: `${source}[${i}]`, error: `${kind}, not a MISP event` };
      else yield { source: `${source}[${i}]`, json: list[i] };
    }
    return;
  }
  const kind = otherMispKind(doc);
  if (kind) yield { source, error: `${kind}, not a MISP event` };
  else if (looksLikeEvent(doc)) yield { source, json: doc };
  else yield { source, error: 'not a MISP event, a list of events or {"response": [...]}' };
}

/** Streams a large document: a top-level array, or `{"response": [...]}`; anything else is read whole. */
async function* streamDocument(open: () => Readable, head: string, source: string): AsyncGenerator<InputItem> {
  const trimmed = head.trimStart();
  let pipeline: Readable | undefined;
  if (trimmed.startsWith('[')) pipeline = open().pipe(StreamArray.withParser());
  else if (/^\{\s*"response"\s*:\s*\[/.test(trimmed)) pipeline = open().pipe(Pick.withParser({ filter: 'response' })).pipe(StreamArray.streamArray());
  if (!pipeline) {
    const chunks: Buffer[] = [];
    for await (const c of open()) chunks.push(c as Buffer);
    yield { source, text: Buffer.concat(chunks).toString('utf8') };
    return;
  }
  try {
    for await (const item of pipeline as AsyncIterable<{ key: number; value: unknown }>) {
      yield { source: `${source}[${item.key}]`, json: item.value };
    }
  } catch (err) {
    yield { source, error: `invalid JSON: ${(err as Error).message}` };
  }
}

/** The events of a document's text. */
export function* eventsInText(text: string, source: string): Generator<{ source: string; json: unknown } | { source: string; error: string }> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    yield { source, error: `invalid JSON: ${(err as Error).message}` };
    return;
  }
  yield* eventsOfDocument(doc, source);
}

function readHead(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(256);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

async function* fromFile(path: string): AsyncGenerator<InputItem> {
  if (statSync(path).size > STREAM_ABOVE_BYTES) {
    yield* streamDocument(() => createReadStream(path), readHead(path), path);
    return;
  }
  yield { source: path, bytes: await readFile(path) };
}

/** Files read ahead of the one being imported, so that the importer never waits on the disk. */
const READ_AHEAD = 4;

/** The events of many files in order, reading a few files ahead. */
async function* fromFiles(paths: readonly string[]): AsyncGenerator<InputItem> {
  const small = (path: string) => {
    try {
      return statSync(path).size <= STREAM_ABOVE_BYTES;
    } catch {
      return true;
    }
  };
  const reads = new Map<number, Promise<Buffer | Error>>();
  const start = (i: number) => {
    const path = paths[i];
    if (path !== undefined && small(path) && !reads.has(i)) reads.set(i, readFile(path).catch((err: Error) => err));
  };
  for (let i = 0; i < paths.length; i++) {
    for (let j = i; j <= i + READ_AHEAD; j++) start(j);
    const path = paths[i]!;
    const pending = reads.get(i);
    reads.delete(i);
    if (!pending) {
      yield* fromFile(path);
      continue;
    }
    const bytes = await pending;
    if (bytes instanceof Error) yield { source: path, error: `unreadable: ${bytes.message}` };
    else yield { source: path, bytes };
  }
}

/** The event files of a MISP feed: those its manifest lists, each `<uuid>.json`. */
async function* fromFeed(dir: string): AsyncGenerator<InputItem> {
  const manifestPath = join(dir, 'manifest.json');
  let manifest: unknown;
  try {
    manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
  } catch (err) {
    yield { source: manifestPath, error: `unreadable feed manifest: ${(err as Error).message}` };
    return;
  }
  if (!isObject(manifest)) {
    yield { source: manifestPath, error: 'a feed manifest is an object keyed by event uuid' };
    return;
  }
  const files: string[] = [];
  // Some public feeds add keys of their own beside the events (`version`, `description`, `feeds`):
  // only a uuid names an event.
  for (const uuid of Object.keys(manifest).filter((k) => isUuid(k.toLowerCase()))) {
    const file = join(dir, `${uuid}.json`);
    if (!existsSync(file)) yield { source: file, error: `the manifest lists event ${uuid} but the feed has no ${uuid}.json` };
    else files.push(file);
  }
  yield* fromFiles(files);
}

/** A folder: a feed when it has a manifest, else every JSON file in it and in its sub-folders, in name order. */
async function* fromDirectory(dir: string): AsyncGenerator<InputItem> {
  if (existsSync(join(dir, 'manifest.json'))) {
    yield* fromFeed(dir);
    return;
  }
  const files: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      yield* fromFiles(files.splice(0));
      yield* fromDirectory(path);
    } else if (name.endsWith('.json')) {
      files.push(path);
    }
  }
  yield* fromFiles(files);
}

async function* fromStdin(stdin: Readable): AsyncGenerator<InputItem> {
  // Read just enough to see the document's shape, then hand the rest of the same iterator on:
  // leaving a for-await early would destroy the stream.
  const it = stdin[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const first: Buffer[] = [];
  let size = 0;
  let done = false;
  while (size < 256) {
    const next = await it.next();
    if (next.done) {
      done = true;
      break;
    }
    first.push(next.value);
    size += next.value.length;
  }
  async function* replay(): AsyncGenerator<Buffer> {
    yield* first;
    if (done) return;
    for (let next = await it.next(); !next.done; next = await it.next()) yield next.value;
  }
  const head = Buffer.concat(first).subarray(0, 256).toString('utf8');
  yield* streamDocument(() => Readable.from(replay()), head, 'standard input');
}

/** Every event in the given paths (`-` for standard input), one at a time. */
export async function* readInputs(paths: readonly string[], stdin: Readable = process.stdin): AsyncGenerator<InputItem> {
  for (const path of paths) {
    if (path === '-') {
      yield* fromStdin(stdin);
      continue;
    }
    if (!existsSync(path)) {
      yield { source: path, error: 'no such file or directory' };
      continue;
    }
    if (statSync(path).isDirectory()) yield* fromDirectory(path);
    else yield* fromFile(path);
  }
}
