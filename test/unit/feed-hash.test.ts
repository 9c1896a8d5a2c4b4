import assert from 'node:assert/strict';
import { hash } from 'node:crypto';
import { it } from 'node:test';
import { hashOfMd5, valueHash } from '../../src/services/feeds/cache.js';
import { md5Prefix52 } from '../../src/services/feeds/md5-prefix.js';

/** What MISP's feeds publish: the MD5's hex digits, whose first 13 are the cache's key. */
const reference = (value: string) => hashOfMd5(hash('md5', value, 'hex'));

it('keys a value by the first 52 bits of its MD5, as node:crypto computes it, for every length and character', () => {
  const samples = ['', 'a', 'abc', '198.51.100.10', 'http://login-portal.example/auth', 'x'.repeat(55), 'x'.repeat(56), 'y'.repeat(200),
    'é', 'héllo.example', '例え.テスト', '😀', 'a\u0000b', '\u007f'];
  // Every length around the one-block boundary (55 bytes), with every printable ASCII character.
  for (let len = 0; len < 70; len++) samples.push(Array.from({ length: len }, (_, i) => String.fromCharCode(32 + ((i * 7 + len) % 95))).join(''));
  let seed = 7;
  for (let n = 0; n < 5000; n++) {
    const len = n % 80;
    let s = '';
    for (let i = 0; i < len; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      s += String.fromCharCode(seed % 23 === 0 ? 0xe9 : 32 + (seed % 95));
    }
    samples.push(s);
  }
  for (const s of samples) {
    assert.equal(md5Prefix52(s), reference(s), JSON.stringify(s));
    assert.equal(valueHash(s), reference(s));
  }
  // md5('198.51.100.10') = 4d722181d51904b2810798553dab1ad3
  assert.equal(valueHash('198.51.100.10'), 0x4d722181d5190);
});
