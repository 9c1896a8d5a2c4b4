import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMispEvent } from '../../src/formats/misp-json/parse.js';

const EVENT_UUID = '11111111-2222-4333-8444-555555555555';

function event(extra: Record<string, unknown> = {}) {
  return { Event: { uuid: EVENT_UUID, info: 'Test event', date: '2024-01-02', timestamp: '1700000000', ...extra } };
}

describe('parseMispEvent', () => {
  it('reads numbers, strings and booleans wherever real feeds put them', () => {
    const p = parseMispEvent(event({
      threat_level_id: 1, analysis: '2', distribution: 3, published: 1,
      Attribute: [{ uuid: 'AAAAAAAA-0000-4000-8000-000000000001', type: 'md5', value: 'D41D8CD98F00B204E9800998ECF8427E', to_ids: '1', timestamp: 1700000001, deleted: 0 }],
    }));
    assert.deepEqual(p.problems, []);
    const e = p.event!;
    assert.equal(e.threat_level_id, 1);
    assert.equal(e.analysis, 2);
    assert.equal(e.distribution, 3);
    assert.equal(e.published, true);
    const a = e.attributes[0]!;
    assert.equal(a.uuid, 'aaaaaaaa-0000-4000-8000-000000000001');
    assert.equal(a.category, 'Payload delivery', 'the default category of the type');
    assert.equal(a.value, 'd41d8cd98f00b204e9800998ecf8427e');
    assert.equal(a.to_ids, true);
    assert.equal(a.timestamp, 1700000001);
    assert.equal(a.distribution, 5);
  });

  it('fills defaults for missing optional fields', () => {
    const e = parseMispEvent(event({ Attribute: [{ type: 'comment', value: 'hello' }] }), { defaultDistribution: 2 }).event!;
    assert.equal(e.threat_level_id, 4);
    assert.equal(e.analysis, 0);
    assert.equal(e.distribution, 2);
    assert.equal(e.orgc.name, 'Cairn');
    const a = e.attributes[0]!;
    assert.match(a.uuid, /^[0-9a-f-]{36}$/, 'a uuid derived from the content');
    assert.equal(a.uuid, parseMispEvent(event({ Attribute: [{ type: 'comment', value: 'hello' }] })).event!.attributes[0]!.uuid, 'and the same on every read');
    assert.equal(a.timestamp, 1700000000, "the event's timestamp");
    assert.equal(a.to_ids, false);
  });

  it('rejects an invalid attribute with its uuid, field and reason, and keeps the rest', () => {
    const p = parseMispEvent(event({
      Attribute: [
        { uuid: 'aaaaaaaa-0000-4000-8000-000000000001', type: 'md5', value: 'nothex' },
        { uuid: 'aaaaaaaa-0000-4000-8000-000000000002', type: 'sha256', category: 'Person', value: 'a'.repeat(64) },
        { uuid: 'aaaaaaaa-0000-4000-8000-000000000003', type: 'domain', value: 'example.com' },
      ],
    }));
    assert.equal(p.rejectedAttributes, 2);
    assert.equal(p.event!.attributes.length, 1);
    assert.deepEqual(p.problems.map((x) => [x.event, x.item, x.field]), [
      [EVENT_UUID, 'aaaaaaaa-0000-4000-8000-000000000001', 'value'],
      [EVENT_UUID, 'aaaaaaaa-0000-4000-8000-000000000002', 'category'],
    ]);
    assert.match(p.problems[0]!.reason, /invalid md5: expected 32 hexadecimal characters/);
    assert.equal(p.problems[0]!.value, 'nothex');
  });

  it('rejects an event with a malformed uuid or without title (one without uuid gets one, as in MISP)', () => {
    const badUuid = parseMispEvent({ Event: { uuid: 'x', info: 'x' } });
    assert.equal(badUuid.event, null);
    assert.equal(badUuid.problems[0]!.field, 'uuid');
    assert.ok(parseMispEvent({ Event: { info: 'x' } }).event?.uuid);
    const noInfo = parseMispEvent({ Event: { uuid: EVENT_UUID } });
    assert.equal(noInfo.event, null);
    assert.match(noInfo.problems[0]!.reason, /title/);
  });

  it('reads objects with their references and keeps galaxy tags', () => {
    const e = parseMispEvent(event({
      Tag: [{ name: 'tlp:white', colour: '#ffffff' }],
      Galaxy: [{ GalaxyCluster: [{ tag_name: 'misp-galaxy:threat-actor="Sofacy"' }] }],
      Object: [{
        uuid: 'bbbbbbbb-0000-4000-8000-000000000001', name: 'file', 'meta-category': 'file', distribution: '5',
        Attribute: [{ uuid: 'bbbbbbbb-0000-4000-8000-000000000002', type: 'md5', object_relation: 'md5', value: 'a'.repeat(32) }],
        ObjectReference: [{ referenced_uuid: 'bbbbbbbb-0000-4000-8000-000000000009', relationship_type: 'drops' }],
      }],
    })).event!;
    assert.deepEqual(e.tags.map((t) => t.name), ['tlp:white', 'misp-galaxy:threat-actor="Sofacy"']);
    const o = e.objects[0]!;
    assert.equal(o.meta_category, 'file');
    assert.equal(o.attributes[0]!.object_relation, 'md5');
    assert.equal(o.references[0]!.relationship_type, 'drops');
  });

  it('skips a second attribute with the same uuid', () => {
    const a = { uuid: 'aaaaaaaa-0000-4000-8000-000000000001', type: 'domain', value: 'example.com' };
    const p = parseMispEvent(event({ Attribute: [a, a] }));
    assert.equal(p.event!.attributes.length, 1);
    assert.equal(p.rejectedAttributes, 1);
  });
});
