/** The worker side of ParsePool: parses and validates documents off the thread that writes the store. */
import { parentPort } from 'node:worker_threads';
import type { ParseOptions } from '../formats/misp-json/parse.js';
import { decodeText } from '../formats/input.js';
import { parseText } from './parsed-event.js';

export interface ParseRequest {
  id: number;
  source: string;
  /** The document, or its UTF-8 bytes. */
  text: string | Uint8Array;
  options: ParseOptions;
}

parentPort?.on('message', (req: ParseRequest) => {
  parentPort!.postMessage({ id: req.id, items: parseText(typeof req.text === 'string' ? req.text : decodeText(req.text), req.source, req.options) });
});
