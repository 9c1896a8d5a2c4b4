import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { MispEvent } from '../model/event.js';
import type { Store } from '../store/database.js';
import { stixBundleText } from '../services/export/stix.js';

/** Streams a STIX 2.1 bundle: the answer starts with the first event, whatever the number of events. */
export function sendStixBundle(reply: FastifyReply, store: Store, events: AsyncIterable<MispEvent>, container: 'report' | 'grouping'): FastifyReply {
  return reply.type('application/stix+json;version=2.1').send(Readable.from(stixBundleText(store, events, container)));
}
