import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normaliseValue } from '../../src/model/values.js';
import { ipNetwork, lastAddress, networkAt } from '../../src/model/ip.js';
import { CATEGORIES, TYPE_DEFAULTS, categoriesOfType, defaultCategory, isCategoryAllowed, splitComposite } from '../../src/model/types.js';

const ok = (type: string, input: string, expected: string) => {
  const r = normaliseValue(type, input);
  assert.deepEqual(r, { ok: true, value: expected }, `${type} ${JSON.stringify(input)}`);
};
const bad = (type: string, input: string, reason: RegExp) => {
  const r = normaliseValue(type, input);
  assert.equal(r.ok, false, `${type} ${JSON.stringify(input)} should be rejected`);
  if (!r.ok) assert.match(r.reason, reason);
};

describe('describeTypes data', () => {
  it('holds every MISP type and category with its defaults', () => {
    assert.equal(Object.keys(TYPE_DEFAULTS).length, 194);
    assert.equal(CATEGORIES.length, 16);
    assert.equal(defaultCategory('md5'), 'Payload delivery');
    assert.equal(TYPE_DEFAULTS['ip-dst']?.toIds, true);
    assert.equal(TYPE_DEFAULTS.comment?.toIds, false);
    assert.ok(categoriesOfType('link').includes('External analysis'));
    assert.ok(isCategoryAllowed('sha256', 'Payload delivery'));
    assert.ok(!isCategoryAllowed('sha256', 'Person'));
  });

  it('splits composite values', () => {
    assert.deepEqual(splitComposite('domain|ip', 'example.com|192.0.2.1'), ['example.com', '192.0.2.1']);
    assert.deepEqual(splitComposite('filename|md5', 'a|b.exe|9e107d9d372bb6826bd81d3542a419d6'), ['a|b.exe', '9e107d9d372bb6826bd81d3542a419d6']);
    assert.equal(splitComposite('domain|ip', 'example.com'), undefined);
  });
});

describe('hashes', () => {
  it('lower-cases and checks the length of every digest type', () => {
    ok('md5', ' 9E107D9D372BB6826BD81D3542A419D6 ', '9e107d9d372bb6826bd81d3542a419d6');
    ok('sha1', '2FD4E1C67A2D28FCED849EE1BB76E7391B93EB12', '2fd4e1c67a2d28fced849ee1bb76e7391b93eb12');
    ok('sha224', 'a'.repeat(56), 'a'.repeat(56));
    ok('sha384', 'B'.repeat(96), 'b'.repeat(96));
    ok('sha512/256', 'c'.repeat(64), 'c'.repeat(64));
    ok('sha3-512', 'd'.repeat(128), 'd'.repeat(128));
    ok('imphash', 'E'.repeat(32), 'e'.repeat(32));
    ok('x509-fingerprint-sha1', 'AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD', 'aabbccddeeff00112233445566778899aabbccdd');
    bad('md5', 'abc', /32 hexadecimal characters, got 3/);
    bad('sha256', 'g'.repeat(64), /non-hex/);
  });

  it('checks tlsh and ssdeep shapes', () => {
    ok('tlsh', `T1${'A'.repeat(70)}`, `t1${'a'.repeat(70)}`);
    bad('tlsh', 'abc', /35 hexadecimal/);
    ok('ssdeep', '96:s4Ud1Lj96tHHlZDrwciQmA+4uy1I0G4HYuL8N3TzS8QsO/wqWXLcMSx:sF1LjEtHHlZDrJzrhl', '96:s4Ud1Lj96tHHlZDrwciQmA+4uy1I0G4HYuL8N3TzS8QsO/wqWXLcMSx:sF1LjEtHHlZDrJzrhl');
    bad('ssdeep', '96:abc def:ghi', /blocksize:hash:hash/);
  });

  it('validates the hash half of filename|hash composites', () => {
    ok('filename|sha256', `Invoice.docm|${'F'.repeat(64)}`, `Invoice.docm|${'f'.repeat(64)}`);
    bad('filename|md5', 'invoice.docm|1234', /second part: expected 32/);
    bad('filename|md5', 'invoice.docm', /two parts/);
  });
});

describe('network values', () => {
  it('writes IPv4, IPv6 and CIDR in canonical form', () => {
    ok('ip-dst', ' 192.0.2.1 ', '192.0.2.1');
    ok('ip-src', '2001:DB8:0:0:0:0:0:1', '2001:db8::1');
    ok('ip-src', '2001:db8::1/128', '2001:db8::1');
    ok('ip-dst', '198.51.100.0/24', '198.51.100.0/24');
    ok('ip-dst', '198.51.100.7/32', '198.51.100.7');
    ok('ip-dst', '2001:0DB8::/32', '2001:db8::/32');
    bad('ip-dst', '300.1.1.1', /not an IPv4 or IPv6/);
    bad('ip-dst', '10.0.0.0/33', /at most 32/);
    bad('ip-dst', 'example.com', /not an IPv4/);
  });

  it('reads ip|port in the notations MISP accepts', () => {
    ok('ip-dst|port', '203.0.113.5:443', '203.0.113.5|443');
    ok('ip-dst|port', '203.0.113.5|443', '203.0.113.5|443');
    ok('ip-src|port', '[2001:db8::1]:8080', '2001:db8::1|8080');
    bad('ip-dst|port', '203.0.113.5:70000', /port/);
  });

  it('lower-cases domains, drops the trailing dot and writes IDN as punycode', () => {
    ok('domain', 'Example.COM.', 'example.com');
    ok('hostname', 'WWW.Example.com', 'www.example.com');
    ok('domain', 'bücher.example', 'xn--bcher-kva.example');
    bad('domain', 'not a domain', /not a valid domain/);
    bad('domain', 'localhost', /not a valid domain/);
    ok('domain|ip', 'Example.com|2001:DB8::2', 'example.com|2001:db8::2');
    ok('hostname|port', 'mail.example.com:25', 'mail.example.com|25');
  });

  it('checks links, urls, e-mail addresses, ports and AS numbers', () => {
    ok('link', 'https://securelist.com/a-slice-of-2017-sofacy-activity/83930/', 'https://securelist.com/a-slice-of-2017-sofacy-activity/83930/');
    bad('link', 'securelist.com/no-scheme', /scheme/);
    ok('url', 'http://evil.example/a b', 'http://evil.example/a b');
    bad('url', 'http://evil.example/\nx', /single line/);
    ok('email-src', 'Alice@Example.COM', 'alice@example.com');
    bad('email-dst', 'alice-at-example', /e-mail/);
    ok('port', '0443', '443');
    bad('port', '0', /1 to 65535/);
    ok('AS', 'AS64500', '64500');
    ok('AS', '1.10', '65546');
    bad('AS', 'ASX', /AS number/);
  });
});

describe('other families', () => {
  it('upper-cases CVE identifiers and checks their shape', () => {
    ok('vulnerability', 'cve-2017-0262', 'CVE-2017-0262');
    ok('vulnerability', 'CVE\u20132021\u201344228', 'CVE-2021-44228');
    bad('vulnerability', 'CVE-17-1', /CVE-YYYY-NNNN/);
  });

  it('reads datetimes in the absolute formats PHP reads, as MISP normalises them', () => {
    ok('datetime', '2017/11/13', '2017-11-13T00:00:00.000000+0000');
    ok('datetime', '2017/11/13 10:05:01 GMT', '2017-11-13T10:05:01.000000+0000');
    ok('datetime', '9 Jun 2018', '2018-06-09T00:00:00.000000+0000');
    ok('datetime', 'Sat, 09 Jun 2018 10:00:00 +0200', '2018-06-09T08:00:00.000000+0000');
    ok('datetime', 'June 9th, 2018', '2018-06-09T00:00:00.000000+0000');
    ok('datetime', 'Jun 9 2018 10:30pm', '2018-06-09T22:30:00.000000+0000');
    ok('datetime', '11/13/2017', '2017-11-13T00:00:00.000000+0000');
    ok('datetime', '13.11.2017', '2017-11-13T00:00:00.000000+0000');
    ok('datetime', '13-11-2017 08:00', '2017-11-13T08:00:00.000000+0000');
    ok('datetime', '@1510531200', '2017-11-13T00:00:00.000000+0000');
    ok('datetime', '2017-11-13 10:00 UTC', '2017-11-13T10:00:00.000000+0000');
    bad('datetime', '13/11/2017', /ISO 8601/);
  });

  it('normalises ISO 8601 datetimes to UTC with microseconds', () => {
    ok('datetime', '2019-06-25T22:39:22', '2019-06-25T22:39:22.000000+0000');
    ok('datetime', '2019-06-25T22:39:22.123Z', '2019-06-25T22:39:22.123000+0000');
    ok('datetime', '2019-06-26T00:39:22+02:00', '2019-06-25T22:39:22.000000+0000');
    ok('datetime', '2019-06-25', '2019-06-25T00:00:00.000000+0000');
    bad('datetime', 'yesterday', /ISO 8601/);
    bad('datetime', '9 Jun 2018 10', /ISO 8601/);
    bad('datetime', '2019-02-30T00:00:00', /ISO 8601/);
  });

  it('checks sizes and counters', () => {
    ok('size-in-bytes', '00123', '123');
    bad('size-in-bytes', '-1', /whole number/);
    ok('float', '3.5', '3.5');
    bad('float', 'abc', /number/);
  });

  it('keeps free text as given, trimmed, and rejects what is empty or unknown', () => {
    ok('text', '  49/71  ', '49/71');
    ok('comment', 'multi\nline', 'multi\nline');
    bad('text', '   ', /empty/);
    bad('no-such-type', 'x', /unknown attribute type "no-such-type"/);
  });
});

describe('IP networks for CIDR correlation', () => {
  const hex = (n: bigint) => n.toString(16).padStart(32, '0');
  it('places IPv4 in IPv6 space at ::ffff:0:0/96 and clears host bits', () => {
    assert.deepEqual(ipNetwork('10.1.2.3'), { first: 0xffff0a010203n, prefix: 128 });
    assert.deepEqual(ipNetwork('10.1.2.3/16'), { first: 0xffff0a010000n, prefix: 112 });
    assert.deepEqual(ipNetwork('0.0.0.0/0'), { first: 0xffff00000000n, prefix: 96 });
    const v6 = ipNetwork('2001:db8::1/32')!;
    assert.equal(hex(v6.first), '20010db8000000000000000000000000');
    assert.equal(v6.prefix, 32);
    assert.equal(hex(lastAddress(v6)), '20010db8ffffffffffffffffffffffff');
    assert.equal(networkAt(0xffff0a010203n, 104), 0xffff0a000000n);
  });
  it('is undefined for what is no address or range', () => {
    for (const v of ['example.com', '10.1.2.3/33', '10.1.2/8', '2001:db8::/129', '10.1.2.3/x', 'dead:beef:: trailing']) assert.equal(ipNetwork(v), undefined, v);
  });
});
