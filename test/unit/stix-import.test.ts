import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { stixBundle } from '../../src/formats/stix/export.js';
import { stixToEvents } from '../../src/formats/stix/import.js';
import { registryKey } from '../../src/formats/stix/observables.js';
import { parseMispEvent } from '../../src/formats/misp-json/parse.js';
import { feedEvents } from '../helpers/stix.js';
import { SHARED } from '../helpers/stores.js';

/** Attributes STIX gives back as they were, except registry hives, which STIX spells in full. */
const key = (a: { type: string; value: string; category: string }) =>
  `${a.type}|${a.category}|${a.type.startsWith('regkey') ? registryKey(a.value) : a.type === 'AS' ? a.value.replace(/^AS/i, '') : a.value}`;

it('brings every attribute of the real feeds back through STIX with its type, value and category', () => {
  let compared = 0;
  for (const event of feedEvents()) {
    const back = stixToEvents(stixBundle([event]));
    assert.equal(back.events.length, 1, event.uuid);
    const parsed = parseMispEvent(back.events[0]);
    assert.ok(parsed.event, JSON.stringify(parsed.problems.slice(0, 3)));
    const got = new Map(parsed.event!.attributes.map((a) => [a.uuid, key(a)]));
    for (const a of event.attributes.filter((x) => !x.deleted)) {
      assert.equal(got.get(a.uuid), key(a), `${event.uuid} ${a.uuid}`);
      compared++;
    }
    assert.equal(parsed.event!.info, event.info);
    assert.deepEqual(parsed.event!.tags.map((t) => t.name).sort(), event.tags.filter((t) => !t.local).map((t) => t.name).sort());
  }
  assert.ok(compared > 10_000, `${compared} attributes compared`);
});

it('imports the OASIS examples, reporting what has no MISP form', () => {
  const dir = join(SHARED, 'data', 'stix21-examples');
  const files = readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.json'));
  assert.ok(files.length >= 5);
  let attributes = 0;
  for (const f of files) {
    const result = stixToEvents(JSON.parse(readFileSync(join(dir, f), 'utf8')));
    for (const e of result.events) {
      const parsed = parseMispEvent(e);
      assert.ok(parsed.event, `${f}: ${JSON.stringify(parsed.problems.slice(0, 3))}`);
      attributes += parsed.event!.attributes.length;
    }
    assert.ok(result.events.length > 0 || result.unmapped.length > 0, `${f}: nothing imported and nothing reported`);
  }
  assert.ok(attributes > 0);
});

it('keeps a pattern it cannot map whole, and names one it cannot parse', () => {
  const bundle = { type: 'bundle', id: 'bundle--0f6f1c9e-4d3b-4a1e-9c8d-7b6a5f4e3d2c', objects: [
    { type: 'indicator', spec_version: '2.1', id: 'indicator--0f6f1c9e-4d3b-4a1e-9c8d-7b6a5f4e3d01', created: '2024-01-01T00:00:00.000Z', modified: '2024-01-01T00:00:00.000Z',
      pattern: "[file:size > 1000] FOLLOWEDBY [url:value = 'http://x.example/']", pattern_type: 'stix', valid_from: '2024-01-01T00:00:00Z' },
    { type: 'indicator', spec_version: '2.1', id: 'indicator--0f6f1c9e-4d3b-4a1e-9c8d-7b6a5f4e3d02', created: '2024-01-01T00:00:00.000Z', modified: '2024-01-01T00:00:00.000Z',
      pattern: "[url:value = 'http://x.example/'", pattern_type: 'stix', valid_from: '2024-01-01T00:00:00Z' },
    { type: 'location', spec_version: '2.1', id: 'location--0f6f1c9e-4d3b-4a1e-9c8d-7b6a5f4e3d03', created: '2024-01-01T00:00:00.000Z', modified: '2024-01-01T00:00:00.000Z', country: 'FR' },
  ] };
  const r = stixToEvents(bundle);
  const attrs = parseMispEvent(r.events[0]).event!.attributes;
  assert.deepEqual(attrs.map((a) => a.type), ['stix2-pattern']);
  assert.ok(r.unmapped.some((u) => u.id === 'indicator--0f6f1c9e-4d3b-4a1e-9c8d-7b6a5f4e3d02' && u.reason.startsWith('its pattern does not parse')));
  assert.ok(r.unmapped.some((u) => u.id === 'location--0f6f1c9e-4d3b-4a1e-9c8d-7b6a5f4e3d03' && u.reason.startsWith('no MISP equivalent')));
  assert.throws(() => stixToEvents({ type: 'report' }), /not a STIX bundle/);
});
