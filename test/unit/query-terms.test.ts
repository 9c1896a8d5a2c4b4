import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anyOf, dayOf, pointInTime, termsOf, timeBounds, yesNo } from '../../src/services/search/query-terms.js';

describe('restSearch filter values, as MISP reads them', () => {
  it('reads one value, a&&!b, lists and OR/AND/NOT objects alike', () => {
    assert.deepEqual(termsOf('a', 'f'), { or: ['a'], and: [], not: [] });
    assert.deepEqual(termsOf('a&&!b&&', 'f'), { or: ['a'], and: [], not: ['b'] });
    assert.deepEqual(termsOf(['a', '!b', 3], 'f'), { or: ['a', '3'], and: [], not: ['b'] });
    assert.deepEqual(termsOf({ OR: ['a'], AND: 'b', NOT: ['c'] }, 'f'), { or: ['a'], and: ['b'], not: ['c'] });
    assert.equal(termsOf('', 'f'), undefined);
    assert.equal(termsOf({ OR: [] }, 'f'), undefined);
    assert.deepEqual(anyOf(termsOf({ AND: ['x'], OR: ['y'] }, 'f')), ['y', 'x']);
    assert.throws(() => termsOf({ XOR: ['a'] }, 'type'), /type takes OR, AND and NOT/);
    assert.throws(() => termsOf([{}], 'type'), /type must hold strings or numbers/);
  });

  it('reads points in time: fractions, spans, dates; what it cannot read is just after now', () => {
    const now = 1_800_000_000;
    assert.equal(pointInTime(1796540665.133939, now), 1796540665);
    assert.equal(pointInTime('5d', now), now - 5 * 86400);
    assert.equal(pointInTime('3H', now), now - 3 * 3600);
    assert.equal(pointInTime('2018-09-01', now), 1535760000);
    for (const unreadable of ['5x', 'ad', 'aaad', 'yesterday']) assert.equal(pointInTime(unreadable, now), now + 1, unreadable);
  });

  it('reads time filters as a point or a [from, to] range in either order', () => {
    const now = 1_800_000_000;
    assert.deepEqual(timeBounds('1m', 't', now), { from: now - 60 });
    assert.deepEqual(timeBounds(['4m', '6m'], 't', now), { from: now - 360, to: now - 240 });
    assert.deepEqual(timeBounds([0, 100], 't', now), { to: 100 }, 'a from of 0 leaves it open');
    assert.equal(timeBounds(undefined, 't', now), undefined);
    assert.throws(() => timeBounds([1, 2, 3], 'timestamp', now), /timestamp must be one point in time or a \[from, to\] pair/);
  });

  it('reads yes/no filters, [0, 1] for both, and days', () => {
    assert.equal(yesNo('1', 'p'), true);
    assert.equal(yesNo(false, 'p'), false);
    assert.equal(yesNo([0, 1], 'p'), undefined);
    assert.equal(yesNo([true], 'p'), true);
    assert.throws(() => yesNo('maybe', 'published'), /published must be true or false/);
    assert.equal(dayOf(1536105600.5, 'to'), '2018-09-05');
    assert.throws(() => dayOf('soon', 'from'), /from must be a date/);
  });
});
