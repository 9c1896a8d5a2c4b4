/**
 * `tsx bench/taxii.ts [--db FILE] [--pages N]`: the TAXII 2.1 server over a copy of the store built by
 * bench/import.ts (in process): N pages of 1,000 objects of the default collection followed by `next`
 * (objects/s), one object by id (p50), and a manifest page. Prints one JSON line.
 */
import { parseArgs } from 'node:util';
import { buildServer } from '../src/api/server.js';
import { openStore } from '../src/store/db/database.js';
import { bootstrapInstance } from '../src/store/access/users.js';
import { copyOfImportedStore } from './bench-store.js';

const { values } = parseArgs({ options: { db: { type: 'string', default: 'bench/out/import.db' }, pages: { type: 'string', default: '20' } } });
const store = await openStore((await copyOfImportedStore('taxii', values.db)).config);
const KEY = 'TaxiiBenchKey0123456789abcdefghijklmnopq';
await bootstrapInstance(store, { adminKey: KEY });
const app = await buildServer(store);
const root = '/taxii2/cairn/collections/events';
const get = async (url: string) => {
  const res = await app.inject({ method: 'GET', url, headers: { Authorization: KEY, Accept: 'application/taxii+json;version=2.1' } });
  if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body.slice(0, 200)}`);
  return JSON.parse(res.body) as { objects?: Array<{ id: string }>; more: boolean; next?: string };
};

let objects = 0;
let next: string | undefined;
const ids: string[] = [];
const t0 = performance.now();
for (let i = 0; i < Number(values.pages); i++) {
  const page = await get(`${root}/objects/?limit=1000${next ? `&next=${next}` : ''}`);
  objects += page.objects?.length ?? 0;
  for (const o of page.objects ?? []) if (o.id.startsWith('indicator--') && ids.length < 200) ids.push(o.id);
  if (!page.more) break;
  next = page.next;
}
const pagingS = (performance.now() - t0) / 1000;
const byId: number[] = [];
for (const id of ids.slice(0, 100)) {
  const t = performance.now();
  await get(`${root}/objects/${id}/`);
  byId.push(performance.now() - t);
}
byId.sort((a, b) => a - b);
const t1 = performance.now();
const manifest = await get(`${root}/manifest/?limit=1000`);
const manifestMs = performance.now() - t1;
await app.close();
await store.close();
console.log(JSON.stringify({
  bench: 'taxii',
  store: store.dialect,
  objects_paged: objects,
  objects_per_s: Math.round(objects / pagingS),
  object_by_id_p50_ms: Math.round(byId[Math.floor(byId.length / 2)]! * 100) / 100,
  manifest_page_of_1000_ms: Math.round(manifestMs),
  manifest_entries: manifest.objects?.length ?? 0,
}));
