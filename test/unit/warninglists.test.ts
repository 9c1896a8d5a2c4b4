import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseWarninglist, readWarninglistDirectory, type Warninglist } from '../../src/correlation/warninglists/format.js';
import { WarninglistIndex } from '../../src/correlation/warninglists/index.js';
import { describeRealData, fixturePath, sharedPath } from '../helpers/shared-data.js';

const list = (name: string, type: Warninglist['type'], entries: string[], matching: string[]): Warninglist =>
  ({ name, description: '', version: 1, type, matchingAttributes: matching, list: entries });

const index = new WarninglistIndex([
  list('empty', 'string', ['D41D8CD98F00B204E9800998ECF8427E'], ['md5', 'filename|md5']),
  list('cdn', 'hostname', ['example-cdn.net', '.static.example'], ['domain', 'hostname', 'url', 'email-src']),
  list('disposable', 'substring', ['mailinator', 'trash-mail'], ['email-src']),
  list('private', 'cidr', ['10.0.0.0/8', '192.168.0.0/16', 'fd00::/8', '198.51.100.7'], ['ip-src', 'ip-dst', 'domain|ip']),
  list('contacts', 'regex', ['/^(abuse|noc)@/i'], ['email-src']),
]);
const names = (value: string, type?: string) => index.check(value, type).map((h) => h.name);

describe('warninglists', () => {
  it('matches strings case-insensitively, also as a part of a composite', () => {
    assert.deepEqual(names('d41d8cd98f00b204e9800998ecf8427e', 'md5'), ['empty']);
    assert.deepEqual(names('empty.txt|d41d8cd98f00b204e9800998ecf8427e', 'filename|md5'), ['empty']);
    assert.deepEqual(names('d41d8cd98f00b204e9800998ecf8427e', 'sha1'), [], 'a list applies only to its types');
  });

  it('matches a host and every parent domain, and the host of a URL or an e-mail address', () => {
    assert.deepEqual(names('img.example-cdn.net', 'hostname'), ['cdn']);
    assert.deepEqual(names('example-cdn.net.', 'domain'), ['cdn']);
    assert.deepEqual(names('https://a.b.static.example/x?y=1', 'url'), ['cdn']);
    assert.deepEqual(names('bob@example-cdn.net', 'email-src'), ['cdn']);
    assert.deepEqual(names('notexample-cdn.net', 'domain'), []);
  });

  it('finds substrings anywhere, and regular expressions', () => {
    assert.deepEqual(names('x@mailinator.com', 'email-src'), ['disposable']);
    assert.deepEqual(names('x@my-trash-mail.org', 'email-src'), ['disposable']);
    assert.deepEqual(names('ABUSE@corp.example', 'email-src'), ['contacts']);
    assert.deepEqual(names('alice@corp.example', 'email-src'), []);
  });

  it('matches addresses and ranges inside listed CIDR blocks, IPv4 and IPv6', () => {
    assert.deepEqual(names('10.1.2.3', 'ip-dst'), ['private']);
    assert.deepEqual(names('192.168.4.0/24', 'ip-src'), ['private'], 'a range inside a listed range');
    assert.deepEqual(names('192.0.0.0/8', 'ip-src'), [], 'a range wider than the listed one');
    assert.deepEqual(names('fd12:3456::1', 'ip-dst'), ['private']);
    assert.deepEqual(names('198.51.100.7', 'ip-dst'), ['private']);
    assert.deepEqual(names('198.51.100.8', 'ip-dst'), []);
    assert.deepEqual(names('c2.example|10.9.9.9', 'domain|ip'), ['private']);
  });

  it('checks every list when no type is given', () => {
    assert.deepEqual(names('10.0.0.1'), ['private']);
    assert.deepEqual(names('noc@x.example'), ['contacts']);
  });

  it('names the field at fault in a list that does not fit the format', () => {
    assert.throws(() => parseWarninglist({ list: [] }, 'x.json'), /x\.json: name is missing/);
    assert.throws(() => parseWarninglist({ name: 'n', type: 'fuzzy', list: [] }, 'x.json'), /type must be one of/);
    assert.throws(() => parseWarninglist({ name: 'n', list: [1] }, 'x.json'), /list must be an array of strings/);
  });

  it('reads a directory laid out as misp-warninglists and finds what its lists hold', () => {
    const all = new WarninglistIndex(readWarninglistDirectory(fixturePath('misp', 'misp-warninglists')));
    assert.equal(all.size, 3);
    const hit = (v: string, t: string) => all.check(v, t).map((h) => h.name);
    assert.deepEqual(hit('8.8.8.8', 'ip-dst'), ['Public DNS resolvers (IPv4)']);
    assert.deepEqual(hit('1.1.1.1', 'ip-src'), ['Public DNS resolvers (IPv4)'], 'an address without its /32');
    assert.deepEqual(hit('D41D8CD98F00B204E9800998ECF8427E', 'md5'), ['Hashes of empty files']);
    assert.deepEqual(hit('10.20.30.40', 'ip-src'), ['RFC 1918 private ranges']);
    assert.deepEqual(hit('10.20.30.40', 'domain'), [], 'a list applies only to its types');
    assert.deepEqual(hit('c2-7f3a9b.invalid-example-zone.zz', 'domain'), []);
  });
});

describeRealData('warninglists', () => {
  it('reads the published lists and finds well-known false positives in them', () => {
    const all = new WarninglistIndex(readWarninglistDirectory(sharedPath('data', 'misp', 'misp-warninglists')));
    assert.ok(all.size > 100);
    const hit = (v: string, t: string) => all.check(v, t).map((h) => h.name);
    assert.ok(hit('8.8.8.8', 'ip-dst').includes('List of known IPv4 public DNS resolvers'));
    assert.ok(hit('d41d8cd98f00b204e9800998ecf8427e', 'md5').includes('List of known hashes for empty files'));
    assert.ok(hit('10.20.30.40', 'ip-src').includes('List of RFC 1918 CIDR blocks'));
    assert.deepEqual(hit('c2-7f3a9b.invalid-example-zone.zz', 'domain'), []);
  });
});
