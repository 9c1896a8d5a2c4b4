import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hitDocument, hitText } from '../../src/services/export/attribute-json.js';
import type { ScoredHit } from '../../src/services/search/attributes.js';
import type { HitTag } from '../../src/store/search/hit-extras.js';

/** Strings JSON escapes in every way it can: quotes, backslashes, controls, a lone surrogate, non-ASCII. */
const AWKWARD = ['', 'plain', 'a "quoted" \\ path', 'line\nbreak\ttab\r\b\f', '\u0001\u001f\u007f', 'é ü 中文 😀', '\ud800 lone', '</script>'];

function hit(n: number): ScoredHit {
  const pick = (k: number) => AWKWARD[(n + k) % AWKWARD.length]!;
  return {
    // An event's fields are the event's: the attributes of a page share its block.
    id: 1000 + n, eventId: 7 + (n % 3), eventUuid: '5f1e2d3c-0000-4000-8000-00000000000a', eventInfo: AWKWARD[n % 3]!, eventOrgId: 1, eventOrgcId: 2,
    eventDistribution: n % 3, objectId: n % 2 ? null : 40 + n, timestamp: 1_600_000_000 + n, distribution: n % 6,
    sharingGroupId: n % 6 === 4 ? 3 : null, deleted: n % 7 === 0, disableCorrelation: n % 3 === 0,
    firstSeen: n % 4 ? null : '2024-01-01T00:00:00.000000+00:00', lastSeen: n % 4 === 1 ? '2024-02-01T00:00:00.000000+00:00' : null,
    uuid: `5f1e2d3c-0000-4000-8000-${String(n).padStart(12, '0')}`, type: n % 2 ? 'domain' : 'ip-dst|port', category: 'Network activity',
    value: pick(2), to_ids: n % 2 === 0, comment: pick(3), objectRelation: n % 2 ? null : pick(4),
    ...(n % 5 === 0 ? { decayScore: [{ score: 12.5, base_score: 80, decayed: false, DecayingModel: { id: '1', name: pick(5) } }] } : {}),
  };
}

const tags: HitTag[] = [
  { id: 3, name: 'tlp:green', colour: '#33FF00', exportable: true, hideTag: false, local: false, relationshipType: null, inherited: false },
  { id: 9, name: 'misp-galaxy:x="a \\"b\\""', colour: '#000', exportable: false, hideTag: true, local: true, relationshipType: 'rel', inherited: true },
];

describe('attributes/restSearch JSON written out', () => {
  it('is what JSON.stringify writes of the document, for every kind of field and option', () => {
    for (const eventUuid of [false, true]) {
      const events = new Map<number, string>();
      for (let n = 0; n < 60; n++) {
        const h = hit(n);
        const t = n % 3 === 0 ? undefined : n % 3 === 1 ? [] : tags;
        assert.equal(hitText(h, { eventUuid }, t, events), JSON.stringify(hitDocument(h, { eventUuid }, t)), `hit ${n}`);
      }
    }
  });
});
