import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { generateEvents } from '../../bench/corpus.js';
import { decodeText, readInputs, type InputItem } from '../../src/formats/input.js';

const dir = mkdtempSync(join(tmpdir(), 'cairn-input-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function collect(items: AsyncIterable<InputItem>): Promise<InputItem[]> {
  const out: InputItem[] = [];
  for await (const i of items) out.push(i);
  return out;
}

describe('reading input', () => {
  const events = [...generateEvents({ attributes: 80_000, seed: 3 })];

  it('streams a large array or {"response": [...]} one event at a time', async () => {
    for (const [name, doc] of [['array.json', events], ['response.json', { response: events }]] as const) {
      const file = join(dir, name);
      writeFileSync(file, JSON.stringify(doc));
      const items = await collect(readInputs([file]));
      // Parsed events, not one text to parse whole: the file went through the streaming parser.
      assert.equal(items.length, events.length);
      assert.ok(items.every((i) => 'json' in i));
      assert.deepEqual((items[5] as { json: unknown }).json, events[5]);
      assert.equal(items[5]!.source, `${file}[5]`);
    }
  });

  it('streams standard input the same way', async () => {
    const text = JSON.stringify({ response: events.slice(0, 3) });
    const stdin = Readable.from([Buffer.from(text.slice(0, 100)), Buffer.from(text.slice(100))]);
    const items = await collect(readInputs(['-'], stdin));
    assert.deepEqual(items.map((i) => (i as { json: { Event: { uuid: string } } }).json.Event.uuid), events.slice(0, 3).map((e) => e.Event.uuid));
  });

  it('hands small files on as their bytes, to be decoded and parsed on the worker, and reports a feed manifest that names a missing file', async () => {
    const feed = join(dir, 'feed');
    const present = events[0]!.Event.uuid as string;
    mkdirSync(feed);
    writeFileSync(join(feed, `${present}.json`), JSON.stringify(events[0]));
    writeFileSync(join(feed, 'manifest.json'), JSON.stringify({ [present]: {}, '00000000-0000-4000-8000-000000000000': {} }));
    const items = await collect(readInputs([feed]));
    assert.equal(items.length, 2);
    assert.match((items[0] as { error: string }).error, /the manifest lists event 00000000-0000-4000-8000-000000000000 but the feed has no/);
    const item = items[1]!;
    assert.ok('bytes' in item);
    assert.equal(decodeText(item.bytes), JSON.stringify(events[0]));
  });
});
