import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  baseScore, decayFormula, decayOverrides, decayParameters, decayScore, lastAlive, prioritisedTags, tagBase, type DecayItem, type DecayParameters,
} from '../../src/model/decaying-model.js';
import { parseDecayingModel } from '../../src/libraries/decaying-model.js';
import { mayDeleteDecayingModel, mayEditDecayingModel, mayMakeDecayingModels, mayUpdateDecayingModels } from '../../src/access/policy/decaying-models.js';
import type { User } from '../../src/access/user.js';
import type { Permission } from '../../src/access/roles.js';

const DAY = 86_400;
const NOW = 1_700_000_000;

const params = (p: Partial<DecayParameters> = {}): DecayParameters => ({
  lifetime: 10, decay_speed: 1, threshold: 30, default_base_score: 80, base_score_config: {}, ...p,
});

const item = (i: Partial<DecayItem> = {}): DecayItem => ({ timestamp: NOW, lastSeen: null, tags: [], eventTags: [], positives: 0, sightings: 0, ...i });

const VALUES: Record<string, number> = {
  'admiralty-scale:source-reliability="a"': 100, 'admiralty-scale:source-reliability="c"': 50, 'admiralty-scale:information-credibility="2"': 75,
  'retention:1d': 1, 'priority-level:high': 80,
};
const numerical = (t: string) => VALUES[t];

describe('decaying models: the formulas', () => {
  it('Polynomial: base × (1 − (t / lifetime)^(1 / speed)), 0 past the lifetime or for a future date', () => {
    const m = { formula: 'Polynomial' as const, parameters: params() };
    assert.equal(decayScore(m, item(), numerical, NOW).score, 80, 'just seen: the whole base score');
    assert.equal(decayScore(m, item({ timestamp: NOW - 5 * DAY }), numerical, NOW).score, 40, 'linear at speed 1: half way, half the score');
    const fast = { formula: 'Polynomial' as const, parameters: params({ decay_speed: 2 }) };
    assert.ok(Math.abs(decayScore(fast, item({ timestamp: NOW - 5 * DAY }), numerical, NOW).score - 80 * (1 - Math.sqrt(0.5))) < 1e-9);
    const old = decayScore(m, item({ timestamp: NOW - 20 * DAY }), numerical, NOW);
    assert.deepEqual(old, { score: 0, base_score: 80, decayed: true });
    assert.equal(decayScore(m, item({ timestamp: NOW + 60 }), numerical, NOW).score, 0, 'MISP scores a date to come 0');
    assert.equal(decayScore(m, item({ timestamp: NOW - 7 * DAY }), numerical, NOW).decayed, true, '24 is under 30: decayed');
  });

  it('decayed: under the threshold, not at it', () => {
    const m = { formula: 'Polynomial' as const, parameters: params({ threshold: 40 }) };
    assert.equal(decayScore(m, item({ timestamp: NOW - 5 * DAY }), numerical, NOW).decayed, false);
    assert.equal(decayScore(m, item({ timestamp: NOW - 5 * DAY - 3600 }), numerical, NOW).decayed, true);
  });

  it('the age runs from the last sighting, unless the attribute changed since; last_seen stands in for both', () => {
    assert.equal(lastAlive(item({ timestamp: NOW - 9 * DAY, lastSighting: NOW - DAY })), NOW - DAY);
    assert.equal(lastAlive(item({ timestamp: NOW - DAY, lastSighting: NOW - 9 * DAY })), NOW - DAY, 'changed after the sighting: its change');
    const seen = new Date((NOW - 3 * DAY) * 1000).toISOString();
    assert.equal(lastAlive(item({ timestamp: NOW - DAY, lastSeen: seen })), NOW - 3 * DAY, 'no sighting: last_seen');
    assert.equal(lastAlive(item({ timestamp: NOW - DAY, lastSeen: seen, lastSighting: NOW - 2 * DAY })), NOW - 3 * DAY, 'changed after the sighting: last_seen, as MISP');
    assert.equal(lastAlive(item({ timestamp: NOW - 9 * DAY, lastSeen: seen, lastSighting: NOW - 2 * DAY })), NOW - 2 * DAY);
  });

  it('PolynomialExtended: a retention tag ends the life that many days after the last change', () => {
    const m = { formula: 'PolynomialExtended' as const, parameters: params() };
    assert.equal(decayScore(m, item({ timestamp: NOW - 2 * DAY, tags: ['retention:1d'] }), numerical, NOW).score, 0);
    assert.equal(decayScore(m, item({ timestamp: NOW - 2 * DAY, lastSighting: NOW, tags: ['retention:1d'] }), numerical, NOW).score, 0, 'a sighting does not extend it');
    assert.equal(decayScore(m, item({ timestamp: NOW - 3600, tags: ['retention:1d'] }), numerical, NOW).score > 79, true);
  });

  it('Sightings: the share of true positives, offsets added, once there are enough sightings', () => {
    const m = { formula: 'Sightings' as const, parameters: params({ settings: { minimum_sightings: 2, true_positive_offset: 1, false_positive_offset: 1 } }) };
    assert.equal(decayScore(m, item({ positives: 1, sightings: 1 }), numerical, NOW).score, 80, 'fewer than the minimum: the base score');
    assert.equal(decayScore(m, item({ positives: 1, sightings: 3, timestamp: NOW - 100 * DAY }), numerical, NOW).score, 80 * 2 / 5, 'time does not count');
  });
});

describe('decaying models: the base score', () => {
  it('a tag\'s base: ns:predicate of a triple tag, the namespace of a pair, the name otherwise', () => {
    assert.equal(tagBase('admiralty-scale:source-reliability="a"'), 'admiralty-scale:source-reliability');
    assert.equal(tagBase('priority-level:high'), 'priority-level');
    assert.equal(tagBase('just-a-tag'), 'just-a-tag');
    assert.equal(tagBase('a:b="c:d"'), 'a:b="c:d"', 'MISP takes no colon in a value');
  });

  it('weighs the valued tags of the configured bases, the weights shared out among those carried', () => {
    const p = params({ base_score_config: { 'admiralty-scale:source-reliability': 0.5, 'admiralty-scale:information-credibility': 0.5, 'priority-level': 1 } });
    assert.equal(baseScore(p, ['admiralty-scale:source-reliability="c"'], numerical), 50, 'the one base carried takes the whole weight');
    assert.equal(baseScore(p, ['admiralty-scale:source-reliability="a"', 'admiralty-scale:information-credibility="2"'], numerical), 87.5);
    assert.ok(Math.abs(baseScore(p, ['admiralty-scale:source-reliability="a"', 'priority-level:high'], numerical) - (100 / 3 + 80 * 2 / 3)) < 1e-9);
    assert.equal(baseScore(p, ['tlp:red', 'admiralty-scale:source-reliability="x"'], numerical), 80, 'no valued tag of a configured base: the default');
  });

  it('an attribute tag takes the place of its event\'s tags of the same base', () => {
    assert.deepEqual(prioritisedTags(['admiralty-scale:source-reliability="c"', 'x'], ['admiralty-scale:source-reliability="a"', 'tlp:red']),
      ['admiralty-scale:source-reliability="c"', 'tlp:red', 'x']);
    assert.deepEqual(prioritisedTags(['p:b="1"'], ['p:b="2"', 'q', 'p:b="3"']), ['p:b="1"', 'q']);
    const m = { formula: 'Polynomial' as const, parameters: params({ base_score_config: { 'admiralty-scale:source-reliability': 1 } }) };
    const scored = decayScore(m, item({ tags: ['admiralty-scale:source-reliability="c"'], eventTags: ['admiralty-scale:source-reliability="a"'] }), numerical, NOW);
    assert.equal(scored.base_score, 50);
  });
});

describe('decaying models: parameters, overrides, library files', () => {
  it('checks parameters, naming the field, and keeps four decimals', () => {
    assert.deepEqual(decayParameters('{"lifetime": "3", "decay_speed": 2.123456, "threshold": 30, "default_base_score": 80}'),
      { lifetime: 3, decay_speed: 2.1235, threshold: 30, default_base_score: 80, base_score_config: {} });
    assert.equal(decayParameters({ decay_speed: 1, threshold: 1, default_base_score: 1 }), 'parameters.lifetime is required and must be a number');
    assert.equal(decayParameters({ lifetime: 0, decay_speed: 1, threshold: 1, default_base_score: 1 }), 'parameters.lifetime must be above 0, not 0');
    assert.match(String(decayParameters({ lifetime: 1, decay_speed: 1, threshold: 1, default_base_score: 1, base_score_config: { a: 'x' } })), /base_score_config\.a/);
    assert.equal(decayParameters('not json'), 'parameters must be a JSON object');
    assert.deepEqual(decayOverrides({ threshold: '50', lifetime: 2, other: 3 }), { threshold: 50, lifetime: 2 });
    assert.match(String(decayOverrides({ decay_speed: 0 })), /modelOverrides\.decay_speed/);
    assert.equal(decayFormula('polynomial'), 'Polynomial');
    assert.equal(decayFormula('Polynomial_Extended'), 'PolynomialExtended');
    assert.equal(decayFormula('exponential'), undefined);
  });

  it('reads a library model, naming the file at fault', () => {
    const m = parseDecayingModel({
      uuid: '073FAE4A-2377-4cfa-bd34-2516830d33c3', name: 'NIDS', formula: 'Polynomial', version: 2, ref: ['r'], authors: ['x'],
      parameters: { lifetime: 120, decay_speed: 2, threshold: 30, default_base_score: 80, base_score_config: { 'priority-level': 0.1667 } },
      attribute_types: ['ip-dst', 'url', 'ip-dst'],
    }, 'nids.json');
    assert.deepEqual([m.uuid, m.version, m.attributeTypes, m.parameters.base_score_config], ['073fae4a-2377-4cfa-bd34-2516830d33c3', 2, ['ip-dst', 'url'], { 'priority-level': 0.1667 }]);
    assert.throws(() => parseDecayingModel({ uuid: 'x', name: 'n' }, 'bad.json'), /bad\.json: uuid/);
    assert.throws(() => parseDecayingModel({ uuid: m.uuid, name: 'n', formula: 'Exp', parameters: {} }, 'f.json'), /f\.json: unknown formula/);
  });
});

describe('decaying models: the policy', () => {
  const user = (orgId: number, ...permissions: Permission[]): User => ({
    id: 1, email: 'u@x', disabled: false, created: 0, org: { id: orgId, uuid: '', name: '', local: true }, role: { id: 1, name: 'r', permissions },
  });
  const own = { orgId: 1, isDefault: false };
  const library = { orgId: 1, isDefault: true };
  it('perm_decaying changes his organisation\'s own models; the library\'s are the site admins\', and never deleted', () => {
    assert.equal(mayEditDecayingModel(user(1, 'perm_decaying'), own), true);
    assert.equal(mayEditDecayingModel(user(2, 'perm_decaying'), own), false, 'another organisation\'s');
    assert.equal(mayEditDecayingModel(user(1, 'perm_admin'), own), false, 'perm_admin alone changes none');
    assert.equal(mayEditDecayingModel(user(1, 'perm_decaying'), library), false);
    assert.equal(mayEditDecayingModel(user(2, 'perm_site_admin'), library), true);
    assert.equal(mayDeleteDecayingModel(user(2, 'perm_site_admin'), library), false);
    assert.equal(mayDeleteDecayingModel(user(1, 'perm_decaying'), own), true);
    assert.equal(mayMakeDecayingModels(user(1, 'perm_admin')), true);
    assert.equal(mayMakeDecayingModels(user(1, 'perm_add')), false);
    assert.equal(mayUpdateDecayingModels(user(1, 'perm_decaying', 'perm_admin')), false);
  });
});
