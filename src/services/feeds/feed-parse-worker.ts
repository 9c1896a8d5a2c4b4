/** The worker side of FeedEventParser: a MISP feed's event files read and validated off the writing thread. */
import { parentPort } from 'node:worker_threads';
import { parseMispEvent } from '../../formats/misp-json/parse.js';
import { readFeedEvent } from './misp-event.js';
import type { FeedParseAnswer, FeedParseRequest, FeedParseSetup } from './feed-parser.js';

let setup: FeedParseSetup | undefined;

parentPort?.on('message', (req: FeedParseRequest) => {
  if ('setup' in req) {
    setup = req.setup;
    return;
  }
  let answer: FeedParseAnswer;
  try {
    const doc = readFeedEvent(req.text, req.uuid, setup!.feed, setup!.tag);
    answer = doc ? { id: req.id, parsed: parseMispEvent(doc, setup!.options) } : { id: req.id, filtered: true };
  } catch (err) {
    answer = { id: req.id, error: (err as Error).message };
  }
  parentPort!.postMessage(answer);
});
