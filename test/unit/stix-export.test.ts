import assert from 'node:assert/strict';
import { it } from 'node:test';
import { eventToStix, stixBundle } from '../../src/formats/stix/export.js';
import { observableId } from '../../src/formats/stix/ids.js';
import { parsePattern } from '../../src/formats/stix/pattern.js';
import { parseMispEvent } from '../../src/formats/misp-json/parse.js';
import { REAL_DATA_SKIP, fixturePath, sharedPath } from '../helpers/shared-data.js';
import { feedEvents, stixIdProblems, stixProblems } from '../helpers/stix.js';

it('computes the deterministic observable ids of the STIX specification', () => {
  assert.equal(observableId('domain-name', { value: 'example.com' }), 'domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7');
  // Of several hashes, the id takes MD5 first, whatever else the file has.
  assert.equal(observableId('file', { hashes: { 'SHA-256': 'ab', MD5: 'cd' } }), observableId('file', { hashes: { MD5: 'cd' } }));
});

it('exports every event of the fixture feeds as a bundle of well-formed ids and patterns, an indicator for each IDS attribute or object', () => {
  const events = feedEvents(fixturePath('feeds'));
  assert.equal(events.length, 5);
  let indicators = 0;
  for (const event of events) {
    const bundle = stixBundle([event]);
    assert.deepEqual(stixIdProblems(bundle), [], event.uuid);
    indicators += bundle.objects.filter((o) => o.type === 'indicator').length;
  }
  assert.equal(indicators, 32, '29 attributes and 3 objects marked for IDS');
});

it('exports every event of the real feeds as a bundle valid against the STIX 2.1 schemas and pattern grammar', { skip: REAL_DATA_SKIP }, () => {
  const events = feedEvents(sharedPath('data', 'feeds'));
  assert.ok(events.length >= 100, `${events.length} events`);
  let indicators = 0;
  for (const event of events) {
    const bundle = stixBundle([event]);
    assert.deepEqual(stixProblems(bundle), [], event.uuid);
    indicators += bundle.objects.filter((o) => o.type === 'indicator').length;
  }
  assert.ok(indicators > 1000, `${indicators} indicators`);
});

const EVENT = parseMispEvent({ Event: {
  uuid: '5eec7d77-302c-45b8-ade6-c3d20aba0001', info: 'STIX sample', date: '2024-03-01', timestamp: '1709251200', publish_timestamp: '1709254800', published: true,
  threat_level_id: '1', analysis: '2', distribution: '3', Orgc: { name: 'CERT-X', uuid: '55f6ea5e-2c60-40e5-964f-47a8950d210f' },
  Tag: [{ name: 'tlp:amber' }, { name: 'misp-galaxy:threat-actor="Sofacy"' }, { name: 'osint:source-type="blog-post"' }],
  Attribute: [
    { uuid: 'a0000000-0000-4000-8000-000000000001', type: 'domain', category: 'Network activity', value: 'evil.example', to_ids: true, comment: 'C2' },
    { uuid: 'a0000000-0000-4000-8000-000000000002', type: 'ip-dst', category: 'Network activity', value: '198.51.100.7', to_ids: false,
      Sighting: [{ uuid: 'a0000000-0000-4000-8000-0000000000f1', type: '0', date_sighting: '1709260000', Organisation: { name: 'CERT-Y', uuid: '55f6ea5e-2c60-40e5-964f-47a8950d2100' } }] },
    { uuid: 'a0000000-0000-4000-8000-000000000003', type: 'filename|sha256', category: 'Payload delivery', value: "it's.exe|" + 'a'.repeat(64), to_ids: true },
    { uuid: 'a0000000-0000-4000-8000-000000000004', type: 'vulnerability', category: 'External analysis', value: 'CVE-2023-1234', to_ids: false },
    { uuid: 'a0000000-0000-4000-8000-000000000005', type: 'text', category: 'Other', value: 'free words', to_ids: false,
      Tag: [{ name: 'misp-galaxy:mitre-attack-pattern="Phishing - T1566"' }] },
  ],
  Object: [{ uuid: 'b0000000-0000-4000-8000-000000000001', name: 'file', 'meta-category': 'file', Attribute: [
    { uuid: 'b0000000-0000-4000-8000-0000000000a1', object_relation: 'md5', type: 'md5', category: 'Payload delivery', value: 'd41d8cd98f00b204e9800998ecf8427e', to_ids: true },
    { uuid: 'b0000000-0000-4000-8000-0000000000a2', object_relation: 'filename', type: 'filename', category: 'Payload delivery', value: 'x.bin', to_ids: false }],
    ObjectReference: [{ uuid: 'b0000000-0000-4000-8000-0000000000c1', referenced_uuid: 'a0000000-0000-4000-8000-000000000001', relationship_type: 'communicates-with' }] }],
} }).event!;

it("maps an event the way MISP's converter does: report, indicators, observed data, galaxies, markings, sightings", () => {
  const objects = eventToStix(EVENT);
  assert.deepEqual(stixIdProblems({ objects }), []);
  const byId = new Map(objects.map((o) => [o.id, o]));
  const report = objects[0]!;
  assert.equal(report.id, 'report--5eec7d77-302c-45b8-ade6-c3d20aba0001');
  assert.equal(report.name, 'STIX sample');
  assert.equal(report.published, '2024-03-01T01:00:00.000Z');
  assert.deepEqual(report.object_marking_refs, ['marking-definition--f88d31f6-486f-44da-b317-01333bde0b82']);
  assert.ok((report.labels as string[]).includes('osint:source-type="blog-post"'));
  const domain = byId.get('indicator--a0000000-0000-4000-8000-000000000001')!;
  assert.equal(domain.pattern, "[domain-name:value = 'evil.example']");
  assert.equal(domain.description, 'C2');
  assert.deepEqual(domain.kill_chain_phases, [{ kill_chain_name: 'misp-category', phase_name: 'network-activity' }]);
  assert.equal(byId.get('indicator--a0000000-0000-4000-8000-000000000003')!.pattern, `[file:name = 'it\\'s.exe' AND file:hashes.'SHA-256' = '${'a'.repeat(64)}']`);
  const ip = byId.get('observed-data--a0000000-0000-4000-8000-000000000002')!;
  const traffic = byId.get((ip.object_refs as string[])[0]!)!;
  assert.equal(traffic.type, 'network-traffic');
  assert.equal(byId.get(traffic.dst_ref as string)!.value, '198.51.100.7');
  assert.equal(byId.get('vulnerability--a0000000-0000-4000-8000-000000000004')!.name, 'CVE-2023-1234');
  assert.equal(byId.get('x-misp-attribute--a0000000-0000-4000-8000-000000000005')!.x_misp_value, 'free words');
  const sighting = objects.find((o) => o.type === 'sighting')!;
  assert.equal(sighting.sighting_of_ref, ip.id);
  assert.equal(byId.get((sighting.where_sighted_refs as string[])[0]!)!.name, 'CERT-Y');
  const file = byId.get('indicator--b0000000-0000-4000-8000-000000000001')!;
  assert.equal(file.pattern, "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e' AND file:name = 'x.bin']");
  const actor = objects.find((o) => o.type === 'threat-actor')!;
  assert.equal(actor.name, 'Sofacy');
  const technique = objects.find((o) => o.type === 'attack-pattern')!;
  const rels = objects.filter((o) => o.type === 'relationship');
  assert.ok(rels.some((r) => r.source_ref === 'x-misp-attribute--a0000000-0000-4000-8000-000000000005' && r.target_ref === technique.id));
  assert.ok(rels.some((r) => r.source_ref === file.id && r.target_ref === domain.id && r.relationship_type === 'communicates-with'));
  assert.deepEqual(eventToStix(EVENT).map((o) => o.id), objects.map((o) => o.id), 'ids are stable from one export to the next');
  const grouping = eventToStix(EVENT, { container: 'grouping' })[0]!;
  assert.deepEqual([grouping.type, grouping.context], ['grouping', 'suspicious-activity']);
});

it('maps that event to objects valid by the OASIS STIX 2.1 schemas', { skip: REAL_DATA_SKIP }, () => {
  assert.deepEqual(stixProblems({ objects: eventToStix(EVENT) }), []);
  assert.deepEqual(stixProblems({ objects: eventToStix(EVENT, { container: 'grouping' }) }), []);
});

it('parses the patterning grammar and names what is wrong', () => {
  parsePattern("([ipv4-addr:value = '198.51.100.1/32'] OR [ipv4-addr:value IN ('1.2.3.4', '5.6.7.8')]) FOLLOWEDBY [file:size > 1024 AND file:name LIKE '%.exe'] WITHIN 300 SECONDS");
  parsePattern("[file:created >= t'2016-01-01T00:00:00Z'] START t'2016-01-01T00:00:00Z' STOP t'2017-01-01T00:00:00Z'");
  parsePattern("[windows-registry-key:values[*].data MATCHES '^a.*' AND NOT windows-registry-key:key = 'x'] REPEATS 5 TIMES".replace('AND NOT windows-registry-key:key =', 'AND windows-registry-key:key NOT ='));
  assert.throws(() => parsePattern("[file:name = 'a' AND url:value = 'b']"), /share one object type/);
  assert.throws(() => parsePattern("[file:name = 'a'"), /expected "\]"/);
  assert.throws(() => parsePattern("[file:name = 'a\\x']"), /may be escaped/);
  assert.throws(() => parsePattern("[file:created > t'yesterday']"), /not a timestamp/);
  assert.throws(() => parsePattern("[file:name = 'a'] WITHIN -1 SECONDS"), /positive number/);
});
