/** The worker side of ParsePool: parses and validates documents off the thread that writes the store. */
import { parentPort } from 'node:worker_threads';
import type { ParseOptions } from '../formats/misp-json/parse.js';
import { parseText } from './parsed-event.js';

export interface ParseRequest {
  id: number;
  source: string;
  text: string;
  options: ParseOptions;
}

parentPort?.on('message', (req: ParseRequest) => {
  parentPort!.postMessage({ id: req.id, items: parseText(req.text, req.source, req.options) });
});
