/**
 * `npm run sql:snapshot`: compiles the query catalogue for both dialects (no database needed) and
 * writes each query's snapshot beside this file, removing those of queries no longer catalogued.
 * Review the diff it leaves: it is what the change does to the SQL the store runs.
 */
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { queryCatalogue, renderSnapshot, snapshotPath, SNAPSHOT_DIR } from './catalogue.js';

const queries = await queryCatalogue();
const written = new Set<string>();
for (const q of queries) {
  const file = snapshotPath(q);
  writeFileSync(file, renderSnapshot(q));
  written.add(basename(file));
}
for (const stale of readdirSync(SNAPSHOT_DIR).filter((f) => f.endsWith('.sql') && !written.has(f))) {
  rmSync(join(SNAPSHOT_DIR, stale));
  console.log(`removed ${stale}`);
}
console.log(`wrote ${written.size} query snapshots to ${SNAPSHOT_DIR}`);
