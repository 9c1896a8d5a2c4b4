import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { OPERATOR } from '../../src/access/viewer.js';
import { readInputs } from '../../src/formats/input.js';
import { importEvents } from '../../src/services/import/bulk.js';
import { eventCorrelations } from '../../src/store/correlations/event-correlations.js';
import { correlationSettings } from '../../src/store/settings.js';
import { describeRealData, sharedPath } from '../helpers/shared-data.js';
import { forEachDialect } from '../helpers/stores.js';

/*
 * The event pairs MISP 2.5 relates over the real feeds, computed here from MISP's own rules (written
 * down below, read from MISP's app/Model/Correlation.php, MispAttribute.php and
 * Lib/Tools/AttributeValidationTool.php), independently of Cairn's code, and compared with the pairs
 * Cairn's correlation engine finds.
 *
 * 1. An attribute correlates unless its type is one of MispAttribute::NON_CORRELATING_TYPES (below:
 *    `text`, `other` and `datetime` are not among them), it is deleted, its disable_correlation is set,
 *    or its event's disable_correlation is set.
 * 2. What correlates is value1, and value2 of a composite type unless the type is one of
 *    PRIMARY_ONLY_CORRELATING_TYPES (the port of ip-src|port, ip-dst|port, hostname|port).
 * 3. Values are compared as MySQL's utf8 *_unicode_ci collation compares them: whatever their case
 *    (`CRAB-Decrypt.txt` = `CRAB-DECRYPT.txt`); values are trimmed when MISP stores them.
 * 4. A datetime is compared as MISP stores it, normalised from whatever PHP's DateTime reads to one
 *    instant in UTC: here through JavaScript's Date, a parser of its own, reading a zoneless value as UTC.
 * 5. An attribute MISP refuses is not stored and correlates with nothing: in these feeds, ssdeep values
 *    not of the form blocksize:hash:hash.
 * 6. A value held by more than correlation_limit (20) attributes of other events is an over-correlating
 *    value: MISP blocks it. (No value of these feeds comes near: the test checks that too.)
 * 7. Correlation is between events: two events are related when they hold a correlating value in common.
 *    CIDR ranges (MISP's off-by-default advanced correlation) are Cairn's addition: these feeds hold no
 *    range, so the pairs are MISP's either way.
 */
const NON_CORRELATING_TYPES = new Set(['comment', 'http-method', 'aba-rtn', 'gender', 'counter', 'integer', 'float', 'port', 'nationality', 'cortex', 'boolean', 'anonymised']);
const PRIMARY_ONLY_CORRELATING_TYPES = new Set(['ip-src|port', 'ip-dst|port', 'hostname|port']);
const CORRELATION_LIMIT = 20;

/**
 * The 34 pairs these rules give over the feeds of shared/data/feeds (140 events), as `uuid uuid`. Rule 1
 * matters here: 840 attributes of the feeds disable their correlation, and with them there would be 209.
 */
const MISP_PAIRS: readonly string[] = [
  '0d826780-a8a5-34b6-6f73-2384840131e9 7f548b1b-8137-6db8-80f1-ca5bc16626c3',
  '0d826780-a8a5-34b6-6f73-2384840131e9 f8b93dc7-8b29-3cd5-951f-86732ba9eab7',
  '0f5d36d5-9eda-429f-8c72-bdfaa7b6a750 1d87d97f-b67b-499e-b9c2-3b096c949f81',
  '0f5d36d5-9eda-429f-8c72-bdfaa7b6a750 6021536f-a808-4b9c-8136-d7460aba047c',
  '1c4e9e86-eff3-485f-aa1d-1bff68101b14 602ceed3-9144-4262-a1a5-30fd0aba047c',
  '1d87d97f-b67b-499e-b9c2-3b096c949f81 6021536f-a808-4b9c-8136-d7460aba047c',
  '2916842a-ed32-9e84-c949-d7a7d27d5dc7 c9030714-a793-333e-b5d1-1fcebeb8a236',
  '35155d0c-3cdd-cd6d-2d89-96efe795583b 661f5d2f-c091-ac75-a4d2-61bb1e89e7ae',
  '53a4b21b-97b1-a713-e1a6-e925c8c9f889 84fc3db8-2218-2265-ee22-8ee69f62d970',
  '53a4b21b-97b1-a713-e1a6-e925c8c9f889 8da8048b-806a-128e-81b3-58b44af5ab97',
  '53a4b21b-97b1-a713-e1a6-e925c8c9f889 a1fed8ac-8037-a0f5-0f4e-97c90b2ec965',
  '53a4b21b-97b1-a713-e1a6-e925c8c9f889 ba38b21f-a4ed-e1f0-e5b0-4a3ce677cd26',
  '5a25117c-6260-44a1-91b4-489d02de0b81 5a69fdaf-0350-429a-b961-062f02de0b81',
  '5a25117c-6260-44a1-91b4-489d02de0b81 5b61a496-b034-4321-9406-e0330acd0835',
  '5a3c2fcd-8328-42bb-a95e-4f4402de0b81 5aac24b9-0404-4877-8b3f-425e02de0b81',
  '5a69fdaf-0350-429a-b961-062f02de0b81 5b61a496-b034-4321-9406-e0330acd0835',
  '5af5a46d-52e8-4740-997c-56790acd0835 5af5a58a-66f4-4eaf-b946-59320acd0835',
  '5af5a46d-52e8-4740-997c-56790acd0835 5b0438ad-6d20-4a53-9a8b-2c1c0acd0835',
  '5af5a58a-66f4-4eaf-b946-59320acd0835 5b0438ad-6d20-4a53-9a8b-2c1c0acd0835',
  '5b0438ad-6d20-4a53-9a8b-2c1c0acd0835 5b06a89d-64d4-4643-a41e-c25d0acd0835',
  '5b06a4b4-6e74-40b8-ae95-9fc10acd0835 5b06a89d-64d4-4643-a41e-c25d0acd0835',
  '5b115d30-5fe8-4016-a4d5-5fb80acd0835 5c2e0676-75c0-4759-b794-0b360acd0835',
  '5bb3b566-b054-436e-aabf-4bd902de0b81 5bb3ba96-4868-4147-a4e8-4dfb02de0b81',
  '5eec7d77-302c-45b8-ade6-c3d20aba047c 6021536f-a808-4b9c-8136-d7460aba047c',
  '5fda21d6-81cc-47b3-9117-c19a0aba047c 61236bfb-37d8-4a71-a68e-2dbf0abe1822',
  '7e6dbd01-367e-d824-fe6d-a01777732b7d dc5e7fb0-9dd6-9635-c0da-dadc33473cea',
  '7f548b1b-8137-6db8-80f1-ca5bc16626c3 f8b93dc7-8b29-3cd5-951f-86732ba9eab7',
  '84fc3db8-2218-2265-ee22-8ee69f62d970 8da8048b-806a-128e-81b3-58b44af5ab97',
  '84fc3db8-2218-2265-ee22-8ee69f62d970 a1fed8ac-8037-a0f5-0f4e-97c90b2ec965',
  '84fc3db8-2218-2265-ee22-8ee69f62d970 ba38b21f-a4ed-e1f0-e5b0-4a3ce677cd26',
  '8da8048b-806a-128e-81b3-58b44af5ab97 a1fed8ac-8037-a0f5-0f4e-97c90b2ec965',
  '8da8048b-806a-128e-81b3-58b44af5ab97 ba38b21f-a4ed-e1f0-e5b0-4a3ce677cd26',
  'a1fed8ac-8037-a0f5-0f4e-97c90b2ec965 ba38b21f-a4ed-e1f0-e5b0-4a3ce677cd26',
  'a4c97918-0f57-1511-9849-f28767b875b1 d22a9d37-b82a-a263-2b7c-29e3dd0a6f04',
];

type Raw = Record<string, unknown>;
const truthy = (v: unknown) => v === true || v === 1 || v === '1' || v === 'true' || v === 'True';

function compared(type: string, value: string): string | undefined {
  const v = value.trim();
  if (type === 'ssdeep' && !/^\d+:[0-9a-zA-Z/+]*:[0-9a-zA-Z/+]*$/.test(v)) return undefined;
  if (type === 'datetime') {
    const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(v) ? v : `${v}Z`;
    const ms = Date.parse(zoned.replace(' ', 'T'));
    return Number.isNaN(ms) ? undefined : `datetime:${ms}`;
  }
  return v.toLowerCase();
}

function feedEvents(root: string): Raw[] {
  const out: Raw[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith('.json') && e.name !== 'manifest.json') out.push((JSON.parse(readFileSync(path, 'utf8')) as { Event: Raw }).Event);
    }
  };
  walk(root);
  return out;
}

/** The related event pairs by MISP's rules, as `uuid uuid` with the smaller uuid first. */
function mispPairs(events: Raw[]): { pairs: Set<string>; busiest: number } {
  const holders = new Map<string, Map<string, number>>();
  for (const e of events) {
    if (truthy(e.disable_correlation)) continue;
    const objects = (e.Object as Raw[] | undefined) ?? [];
    const attributes = [...((e.Attribute as Raw[] | undefined) ?? []), ...objects.filter((o) => !truthy(o.deleted)).flatMap((o) => (o.Attribute as Raw[] | undefined) ?? [])];
    for (const a of attributes) {
      const type = String(a.type);
      if (NON_CORRELATING_TYPES.has(type) || truthy(a.deleted) || truthy(a.disable_correlation)) continue;
      if (type === 'ssdeep' && compared(type, String(a.value)) === undefined) continue;
      const value = String(a.value);
      const parts = type.includes('|') ? value.split('|') : [value];
      const correlatingParts = PRIMARY_ONLY_CORRELATING_TYPES.has(type) ? parts.slice(0, 1) : parts;
      const partTypes = type.includes('|') ? type.split('|') : [type];
      correlatingParts.forEach((p, i) => {
        const key = compared(partTypes[i] ?? type, p);
        if (key === undefined || key === '') return;
        const by = holders.get(key) ?? new Map<string, number>();
        by.set(String(e.uuid), (by.get(String(e.uuid)) ?? 0) + 1);
        holders.set(key, by);
      });
    }
  }
  const pairs = new Set<string>();
  let busiest = 0;
  for (const by of holders.values()) {
    const uuids = [...by.keys()].sort();
    const attributes = [...by.values()].reduce((a, b) => a + b, 0);
    // The most attributes of other events any one holder of the value sees.
    busiest = Math.max(busiest, ...[...by.values()].map((own) => attributes - own));
    if (uuids.length < 2 || Math.min(...[...by.values()].map((own) => attributes - own)) > CORRELATION_LIMIT) continue;
    for (let i = 0; i < uuids.length; i++) for (let j = i + 1; j < uuids.length; j++) pairs.add(`${uuids[i]} ${uuids[j]}`);
  }
  return { pairs, busiest };
}

describeRealData('correlation over the real feeds', () => {
  forEachDialect('as MISP 2.5 correlates', (fixture) => {
    after(() => fixture.cleanup());

    it('relates exactly the event pairs MISP relates', async () => {
      const root = sharedPath('data', 'feeds');
      const events = feedEvents(root);
      const expected = mispPairs(events);
      assert.deepEqual([...expected.pairs].sort(), MISP_PAIRS, 'the rules give the pairs listed');
      assert.ok(expected.busiest <= CORRELATION_LIMIT, 'no value of these feeds over-correlates, so the limit changes no pair');

      const store = await fixture.open();
      const totals = await importEvents(store, readInputs([root]));
      assert.equal(totals.events.created, events.length);
      const settings = await correlationSettings(store);
      const found = new Set<string>();
      for (const e of events) {
        const c = await eventCorrelations(store, OPERATOR, { uuid: String(e.uuid) }, settings, { eventsOnly: true });
        assert.deepEqual(c?.overCorrelating, [], `event ${String(e.uuid)} has no over-correlating value`);
        for (const r of c!.related) found.add([String(e.uuid), r.uuid].sort().join(' '));
      }
      const missing = [...expected.pairs].filter((p) => !found.has(p));
      const extra = [...found].filter((p) => !expected.pairs.has(p));
      assert.deepEqual({ missing, extra }, { missing: [], extra: [] });
    });
  });
});
