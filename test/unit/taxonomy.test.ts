import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { BUILTIN_TAXONOMIES } from '../../src/libraries/builtin.js';
import { parseTaxonomy, splitTag, taxonomyTags, TaxonomyRules } from '../../src/libraries/taxonomy.js';
import { fixturePath } from '../helpers/shared-data.js';

const read = (ns: string) => parseTaxonomy(JSON.parse(readFileSync(fixturePath('misp', 'misp-taxonomies', ns, 'machinetag.json'), 'utf8')), ns);

it('splits tag names into namespace, predicate and value', () => {
  assert.deepEqual(splitTag('tlp:amber'), { namespace: 'tlp', predicate: 'amber' });
  assert.deepEqual(splitTag('admiralty-scale:source-reliability="a"'), { namespace: 'admiralty-scale', predicate: 'source-reliability', value: 'a' });
  assert.equal(splitTag('APT'), undefined);
});

it('lists the tags a taxonomy defines, expanded, with numerical values and colours', () => {
  const tags = taxonomyTags(read('admiralty-scale'));
  const a = tags.find((t) => t.tag === 'admiralty-scale:source-reliability="a"');
  assert.deepEqual(a && { expanded: a.expanded, n: a.numericalValue, exclusive: a.exclusivePredicate },
    { expanded: 'Source Reliability: Completely reliable', n: 100, exclusive: true });
  const amber = taxonomyTags(read('tlp')).find((t) => t.tag === 'tlp:amber');
  assert.equal(amber?.colour, '#FFC000');
});

it('refuses a second tag of an exclusive taxonomy or predicate', () => {
  const rules = new TaxonomyRules([read('admiralty-scale'), ...BUILTIN_TAXONOMIES]);
  assert.match(rules.conflict('tlp:amber', ['tlp:white', 'APT']) ?? '', /tlp taxonomy is exclusive.*tlp:white/);
  assert.equal(rules.conflict('tlp:clear', ['tlp:white']), undefined, 'CLEAR is WHITE renamed');
  assert.equal(rules.conflict('tlp:amber', ['PAP:RED']), undefined);
  assert.match(rules.conflict('admiralty-scale:source-reliability="b"', ['admiralty-scale:source-reliability="a"']) ?? '', /predicate is exclusive/);
  assert.equal(rules.conflict('admiralty-scale:information-credibility="1"', ['admiralty-scale:source-reliability="a"']), undefined);
  assert.equal(rules.describe('admiralty-scale:source-reliability="a"')?.numericalValue, 100);
});

it('names the file and field of a malformed taxonomy', () => {
  assert.throws(() => parseTaxonomy({ description: 'x' }, 'bad.json'), /bad\.json: no namespace/);
  assert.throws(() => parseTaxonomy({ namespace: 'x', values: [{ entry: [] }] }, 'bad.json'), /without its predicate/);
});
