import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { stixBundle } from '../../src/formats/stix/export.js';
import { stixToEvents } from '../../src/formats/stix/import.js';
import { CHECKED_TYPES, requiredProperties } from '../../src/formats/stix/required.js';
import { registryKey } from '../../src/formats/stix/observables.js';
import { parseMispEvent } from '../../src/formats/misp-json/parse.js';
import type { MispEvent } from '../../src/model/event.js';
import { REAL_DATA_SKIP, fixturePath, sharedPath } from '../helpers/shared-data.js';
import { feedEvents } from '../helpers/stix.js';

/** Attributes STIX gives back as they were, except registry hives, which STIX spells in full. */
const key = (a: { type: string; value: string; category: string }) =>
  `${a.type}|${a.category}|${a.type.startsWith('regkey') ? registryKey(a.value) : a.type === 'AS' ? a.value.replace(/^AS/i, '') : a.value}`;

/** Exports each event to STIX and imports it back, asserting that every live attribute returns; gives how many did. */
function roundTrip(events: MispEvent[]): number {
  let compared = 0;
  for (const event of events) {
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
  return compared;
}

it('brings every attribute of the fixture feeds back through STIX with its type, value and category', () => {
  const events = feedEvents(fixturePath('feeds'));
  assert.equal(events.length, 5);
  assert.equal(roundTrip(events), 40, 'every attribute of the five events but the deleted one');
});

it('brings every attribute of the real feeds back through STIX with its type, value and category', { skip: REAL_DATA_SKIP }, () => {
  const compared = roundTrip(feedEvents(sharedPath('data', 'feeds')));
  assert.ok(compared > 10_000, `${compared} attributes compared`);
});

it('imports a report bundle: indicators, observed data and galaxy objects, reporting what has no MISP form', () => {
  const r = stixToEvents(JSON.parse(readFileSync(fixturePath('stix', 'fixture-report.json'), 'utf8')));
  assert.equal(r.events.length, 1);
  const parsed = parseMispEvent(r.events[0]);
  assert.deepEqual(parsed.problems, []);
  const event = parsed.event!;
  assert.deepEqual([event.uuid, event.info, event.date, event.orgc?.name], ['57150000-0000-4000-8000-000000000001',
    'Fixture RAT delivered from a lookalike domain', '2024-06-02', 'Fixture Analysts']);
  assert.deepEqual(event.tags.map((t) => t.name).sort(), ['tlp:green', 'type:OSINT'], 'labels and the TLP marking become tags');
  const id = (n: number) => `57150000-0000-4000-8000-00000000000${n}`;
  assert.deepEqual(event.attributes.map((a) => [a.uuid, a.type, a.value, a.to_ids, a.tags.map((t) => t.name)]), [
    [id(2), 'domain', 'bank-login-fixture.example', true, []],
    [id(3), 'ip-dst', '198.51.100.77', true, []],
    [id(4), 'sha256', 'c0ffee00'.repeat(8), true, ['misp-galaxy:mitre-malware="Fixture RAT"']],
    [id(5), 'stix2-pattern', "[url:value = 'http://bank-login-fixture.example/a'] FOLLOWEDBY [url:value = 'http://bank-login-fixture.example/b'] WITHIN 60 SECONDS", true, []],
    [id(6), 'url', 'https://paste-fixture.example/raw/x1', false, []],
  ]);
  assert.equal(event.attributes[0]!.comment, "Lookalike of a bank's login page");
  assert.deepEqual(r.unmapped.map((u) => [u.id, u.reason]), [
    // The indicates relationship is the sha256's galaxy tag: accounted for, not reported.
    ['location--57150000-0000-4000-8000-00000000000a', 'no MISP equivalent for a location'],
  ]);
});

it('imports the OASIS examples, reporting what has no MISP form', { skip: REAL_DATA_SKIP }, () => {
  const dir = sharedPath('data', 'stix21-examples');
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

it('refuses an object that lacks a property STIX requires of it, naming the property', () => {
  const common = { spec_version: '2.1', created: '2024-01-01T00:00:00.000Z', modified: '2024-01-01T00:00:00.000Z' };
  const r = stixToEvents({ type: 'bundle', id: 'bundle--0f6f1c9e-4d3b-4a1e-9c8d-7b6a5f4e3d2c', objects: [
    { type: 'indicator', id: 'indicator--0f6f1c9e-4d3b-4a1e-9c8d-7b6a5f4e3d11', ...common, pattern_type: 'stix', valid_from: '2024-01-01T00:00:00Z' },
    { type: 'vulnerability', id: 'vulnerability--0f6f1c9e-4d3b-4a1e-9c8d-7b6a5f4e3d12', spec_version: '2.1', name: 'CVE-2024-0001' },
    { type: 'x-misp-attribute', id: 'x-misp-attribute--0f6f1c9e-4d3b-4a1e-9c8d-7b6a5f4e3d13', ...common, x_misp_type: 'text' },
    { type: 'indicator', id: 'indicator--0f6f1c9e-4d3b-4a1e-9c8d-7b6a5f4e3d14', ...common, pattern: "[domain-name:value = 'kept.example']", pattern_type: 'stix',
      valid_from: '2024-01-01T00:00:00Z' },
  ] });
  assert.deepEqual(r.unmapped, [
    { id: 'indicator--0f6f1c9e-4d3b-4a1e-9c8d-7b6a5f4e3d11', reason: 'missing required property "pattern" (STIX 2.1 requires it of every indicator)' },
    { id: 'vulnerability--0f6f1c9e-4d3b-4a1e-9c8d-7b6a5f4e3d12', reason: 'missing required properties "created", "modified" (STIX 2.1 requires them of every vulnerability)' },
    { id: 'x-misp-attribute--0f6f1c9e-4d3b-4a1e-9c8d-7b6a5f4e3d13', reason: 'missing required property "x_misp_value" (STIX 2.1 requires it of every x-misp-attribute)' },
  ]);
  assert.deepEqual(parseMispEvent(r.events[0]).event!.attributes.map((a) => a.value), ['kept.example']);
});

it('reads the MISP category from a kill-chain phase as MISP\'s converter writes it and as STIX recommends it', () => {
  const common = { spec_version: '2.1', created: '2024-01-01T00:00:00.000Z', modified: '2024-01-01T00:00:00.000Z', pattern_type: 'stix', valid_from: '2024-01-01T00:00:00Z' };
  const r = stixToEvents({ type: 'bundle', id: 'bundle--0f6f1c9e-4d3b-4a1e-9c8d-7b6a5f4e3d2d', objects: ['Payload delivery', 'payload delivery', 'payload-delivery'].map((phase, n) => ({
    type: 'indicator', id: `indicator--0f6f1c9e-4d3b-4a1e-9c8d-7b6a5f4e3d2${n}`, ...common, pattern: `[domain-name:value = 'p${n}.example']`,
    kill_chain_phases: [{ kill_chain_name: 'misp-category', phase_name: phase }] })) });
  assert.deepEqual(parseMispEvent(r.events[0]).event!.attributes.map((a) => a.category), ['Payload delivery', 'Payload delivery', 'Payload delivery']);
});

it('checks, for every STIX type it reads, each property the OASIS schemas require', { skip: REAL_DATA_SKIP }, () => {
  const dir = sharedPath('data', 'stix21-schemas', 'schemas');
  const requiredBySchema = (path: string): string[] => {
    type Part = { $ref?: string; required?: string[]; oneOf?: Part[]; anyOf?: Part[] };
    const s = JSON.parse(readFileSync(path, 'utf8')) as Part & { allOf?: Part[] };
    // A property every branch of a choice requires is required too.
    const ofEveryBranch = (branches: Part[] | undefined) => (branches ?? []).reduce<string[] | undefined>((acc, b) => (acc === undefined ? b.required ?? [] : acc.filter((x) => b.required?.includes(x))), undefined) ?? [];
    const own = [s, ...(s.allOf ?? [])].flatMap((p) => [...(p.required ?? []), ...ofEveryBranch(p.oneOf), ...ofEveryBranch(p.anyOf)]);
    const inherited = (s.allOf ?? []).flatMap((p) => (p.$ref ? requiredBySchema(join(path, '..', p.$ref)) : []));
    return [...new Set([...inherited, ...own])];
  };
  for (const type of CHECKED_TYPES) {
    const folder = ['sdos', 'sros', 'observables'].find((d) => readdirSync(join(dir, d)).includes(`${type}.json`));
    if (!folder) {
      assert.match(type, /^x-misp-/, `${type}: no OASIS schema`);
      continue;
    }
    const ours = (requiredProperties(type) ?? []).filter((p): p is string => typeof p === 'string');
    // The schemas' single required properties; their choices (anyOf/oneOf) are lists in Cairn's table.
    assert.deepEqual([...ours].sort(), requiredBySchema(join(dir, folder, `${type}.json`)).sort(), type);
  }
});
