import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { freeTextIndicators } from '../../src/formats/freetext/complex-types.js';
import { describeRealData, sharedPath } from '../helpers/shared-data.js';

/** What a text must yield: each value with the type MISP's free-text import gives it. */
type Expected = Record<string, string>;

function assertYields(text: string, expected: Expected, absent: readonly string[] = []): void {
  const found = new Map(freeTextIndicators(text).map((h) => [h.value, h.default_type]));
  for (const [value, type] of Object.entries(expected)) assert.equal(found.get(value), type, `${value} should be found as ${type}; found ${JSON.stringify([...found])}`);
  for (const value of absent) assert.equal(found.has(value), false, `${value} is no indicator`);
}

/** Notes written as analysts write them, defanged in each of the common ways, from the indicators of the shared feeds' events. */
const NOTES: Array<{ name: string; text: string; expected: Expected; absent?: string[] }> = [
  {
    name: 'a jRAT configuration note, defanged with [.] and hxxps',
    text: 'The jRAT sample beacons to 174.127.99[.]225 on ports 1999 and 4987 (config key gGgQBEKfxHgELZmseiHwZkjdB); '
      + 'project site hxxps://jrat[.]io. Dropped as C:\\Users\\Public\\WEAvkYONVeS.jar.',
    expected: { '174.127.99.225': 'ip-dst', 'https://jrat.io': 'url', 'C:\\Users\\Public\\WEAvkYONVeS.jar': 'filename' },
    absent: ['1999', '4987'],
  },
  {
    name: 'a phishing write-up with (dot), [at] and a port',
    text: 'Lure mails came from billing[at]invoice-portal(dot)com and linked to hxxp://login-portal[.]example[.]org/auth.php; '
      + 'the kit posted to 203.0.113.7:8080. Payload md5 d41d8cd98f00b204e9800998ecf8427e, sha256 '
      + 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855; exploits CVE-2017-11882.',
    expected: {
      'billing@invoice-portal.com': 'email-src', 'http://login-portal.example.org/auth.php': 'url', '203.0.113.7|8080': 'ip-dst|port',
      d41d8cd98f00b204e9800998ecf8427e: 'md5', e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855: 'sha256', 'CVE-2017-11882': 'vulnerability',
    },
  },
  {
    name: 'a Markdown list of infrastructure with a CIDR, IPv6, an AS and a registry key',
    text: '- C2 range: `198.51.100.0/24` (AS64500)\n- fallback: [2001:db8::10]:443\n- persistence: HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\n- staging host: update-check[.]example[.]com',
    expected: {
      '198.51.100.0/24': 'ip-dst', AS64500: 'AS', '2001:db8::10|443': 'ip-dst|port',
      'HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run': 'regkey', 'update-check.example.com': 'hostname',
    },
  },
];

describe('free text: a corpus of analyst notes', () => {
  for (const note of NOTES) {
    it(note.name, () => assertYields(note.text, note.expected, note.absent));
  }
});

describeRealData('free text: the shared feeds\' analyst text', () => {
  it('finds the C2 address and the project site in a jRAT configuration dump (CIRCL OSINT)', () => {
    const doc = JSON.parse(readFileSync(sharedPath('data', 'feeds', 'MISP-CIRCL-part', '5abf6421-c1b8-477b-a9d2-9c0902de0b81.json'), 'utf8'));
    const text = (doc.Event.Attribute as Array<{ uuid: string; value: string }>).find((a) => a.uuid === '5abf66b8-94b4-4306-bc6b-9b3a02de0b81')!.value;
    assertYields(text, { '174.127.99.225': 'ip-dst', 'https://jrat.io': 'url' }, ['1999', '4987']);
  });
});
