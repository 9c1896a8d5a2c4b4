import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import type { MispEvent } from '../../model/event.js';
import { isCompositeType, splitComposite } from '../../model/types.js';
import { serializeMispEvent } from '../misp-json/serialize.js';
import type { JsonObject } from '../misp-json/coerce.js';

/** The manifest entry MISP keeps for each event of a feed. */
function manifestEntry(e: MispEvent): JsonObject {
  return {
    Orgc: { name: e.orgc.name, uuid: e.orgc.uuid },
    Tag: e.tags.filter((t) => !t.local).map((t) => ({ name: t.name, colour: t.colour ?? '' })),
    info: e.info,
    date: e.date,
    analysis: e.analysis,
    threat_level_id: e.threat_level_id,
    timestamp: e.timestamp,
  };
}

/** md5 of every value (each part of a composite) of the event, as MISP's hashes.csv lists them. */
function valueHashes(e: MispEvent): Set<string> {
  const out = new Set<string>();
  const add = (v: string) => out.add(createHash('md5').update(v).digest('hex'));
  for (const a of [...e.attributes, ...e.objects.flatMap((o) => o.attributes)]) {
    if (a.deleted) continue;
    const parts = isCompositeType(a.type) ? splitComposite(a.type, a.value) : undefined;
    if (parts) parts.forEach(add);
    else add(a.value);
  }
  return out;
}

/**
 * Writes a MISP feed one event at a time: `<uuid>.json` per event, then manifest.json and hashes.csv,
 * each written to a temporary name and renamed so that a reader never sees half a file.
 */
export async function writeFeed(dir: string, events: AsyncIterable<MispEvent>): Promise<number> {
  mkdirSync(dir, { recursive: true });
  const manifest: Record<string, JsonObject> = {};
  const hashesTmp = join(dir, '.hashes.csv.tmp');
  const hashes = createWriteStream(hashesTmp);
  let count = 0;
  for await (const e of events) {
    const file = join(dir, `${e.uuid}.json`);
    writeFileSync(`${file}.tmp`, JSON.stringify(serializeMispEvent(e, { omitLocalTags: true })));
    renameSync(`${file}.tmp`, file);
    manifest[e.uuid] = manifestEntry(e);
    for (const h of valueHashes(e)) if (!hashes.write(`${h},${e.uuid}\n`)) await once(hashes, 'drain');
    count++;
  }
  hashes.end();
  await once(hashes, 'finish');
  renameSync(hashesTmp, join(dir, 'hashes.csv'));
  writeFileSync(join(dir, '.manifest.json.tmp'), JSON.stringify(manifest));
  renameSync(join(dir, '.manifest.json.tmp'), join(dir, 'manifest.json'));
  return count;
}
