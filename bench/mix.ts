/**
 * Issue 16's mix of requests, shared by bench/mixed.ts (over sockets, against `cairn serve`) and
 * bench/mix-cpu.ts (in process, CPU per kind): 35% attributes/restSearch by one value, 25% events/view of
 * an event of 10–500 attributes, 25% events/index (a page of 50 with a tag or a date filter), 15%
 * events/add of a 50-attribute event.
 */
import { generateEvents } from './corpus.js';
import type { Answer } from './harness.js';

export const KINDS = ['restSearch', 'view', 'index', 'add'] as const;
export type Kind = typeof KINDS[number];

/** What the mix needs of a client: one request, the body kept when asked. */
export interface MixClient {
  request(method: string, path: string, body?: unknown, keepBody?: boolean): Promise<Answer>;
}

/** The kind of the i-th request: the mix's shares, spread evenly over the sequence. */
export function kindOf(i: number, only?: Kind): Kind {
  if (only) return only;
  const r = ((i * 2654435761) % 2 ** 32) / 2 ** 32;
  if (r < 0.35) return 'restSearch';
  if (r < 0.60) return 'view';
  if (r < 0.85) return 'index';
  return 'add';
}

/** What the clients ask for, drawn from the store through the API; `ask(kind, n, c)` sends the n-th request. */
export async function prepareMix(api: MixClient) {
  const index = JSON.parse((await api.request('GET', '/events/index', undefined, true)).body!) as Array<{ id: string; attribute_count: string; date: string }>;
  const viewable = index.filter((e) => Number(e.attribute_count) >= 10 && Number(e.attribute_count) <= 500).map((e) => e.id);
  const dates = [...new Set(index.map((e) => e.date))].sort();
  const lookups: string[] = [];
  for (let page = 1; lookups.length < 500; page += 37) {
    const found = JSON.parse((await api.request('POST', '/attributes/restSearch', { limit: 50, page }, true)).body!) as { response: { Attribute: Array<{ value: string }> } };
    if (found.response.Attribute.length === 0) break;
    lookups.push(...found.response.Attribute.map((a) => a.value));
  }
  const TAGS = ['tlp:white', 'tlp:green', 'tlp:amber', 'type:OSINT', 'misp-galaxy:malware="Emotet"'];
  // Events to add, with uuids and values of their own on every run: 3,000 made ahead (their making is not
  // the clients' work to measure), more as a long run (--stream's three) needs them, never one twice
  // (a uuid stored already answers a cheap 404). The value pool is the one 3,000 events would draw from.
  const seed = Date.now() % 1_000_000;
  const making = generateEvents({ attributes: 50 * 10_000_000, eventSize: 50, seed, freshFrom: 2_000_000_000 + seed * 1000, pool: 7500 });
  const toAdd = Array.from({ length: 3000 }, () => making.next().value!);
  let adds = 0;
  const nextToAdd = () => (adds < toAdd.length ? toAdd[adds++]! : (adds++, making.next().value!));
  return function ask(kind: Kind, n: number, c: MixClient): Promise<Answer> {
    switch (kind) {
      case 'restSearch': return c.request('POST', '/attributes/restSearch', { value: lookups[n % lookups.length] });
      case 'view': return c.request('GET', `/events/view/${viewable[n % viewable.length]}`);
      case 'index': return c.request('POST', '/events/index', n % 2
        ? { limit: 50, page: 1 + (n % 5), tags: [TAGS[n % TAGS.length]] }
        : { limit: 50, page: 1, datefrom: dates[Math.floor(dates.length * ((n % 10) / 10))] });
      case 'add': return c.request('POST', '/events/add', nextToAdd());
    }
  };
}
