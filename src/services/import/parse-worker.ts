/** The worker side of ParsePool: parses and validates documents off the thread that writes the store. */
import { parentPort } from 'node:worker_threads';
import { eventsOf, type InputItem } from '../../formats/input.js';
import type { ParseOptions } from '../../formats/misp-json/parse.js';
import { parseEvents } from './parsed-event.js';

export interface ParseRequest {
  id: number;
  /** A document still to be parsed: its text, or its UTF-8 bytes. */
  item: Extract<InputItem, { text: string } | { bytes: Uint8Array }>;
  options: ParseOptions;
}

parentPort?.on('message', (req: ParseRequest) => {
  parentPort!.postMessage({ id: req.id, items: parseEvents(eventsOf(req.item), req.options) });
});
