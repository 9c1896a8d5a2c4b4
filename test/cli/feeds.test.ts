import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fixturePath } from '../helpers/shared-data.js';
import { ROOT, cairnArgs } from '../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'cairn-cli-feeds-'));
after(() => rmSync(work, { recursive: true, force: true }));
const db = join(work, 'cairn.db');

function cairn(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, cairnArgs(...args), {
    cwd: ROOT, env: { ...process.env, CAIRN_DB: db, DATABASE_URL: '', ...env }, encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('cairn feeds', () => {
  it('lists the two feeds of a new instance', () => {
    const r = cairn(['feeds']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^\s+1\s+disabled\s+misp\s+CIRCL OSINT Feed/m);
    assert.match(r.out, /^\s+2\s+disabled\s+misp\s+The Botvrij\.eu Data/m);
  });

  it('adds a local MISP feed, fetches it into the host organisation, and again finds nothing new', () => {
    assert.equal(cairn(['orgs', 'add', 'Host']).code, 0);
    const added = cairn(['feeds', 'add', 'CERT-A', fixturePath('feeds', 'cert-a'), '--local', '--enable', '--cache', '--distribution', '1']);
    assert.equal(added.code, 0, added.err);
    assert.match(added.out, /^\s+3\s+enabled\s+cached\s+misp\s+CERT-A/);
    const fetched = cairn(['feeds', 'fetch', '--all']);
    assert.equal(fetched.code, 0, fetched.err);
    assert.equal(fetched.out.trim(), 'feed 3: 3 new, 0 updated, 0 unchanged, 0 refused, 0 filtered event(s); 39 attribute(s) written');
    const again = cairn(['feeds', 'fetch', '3']);
    assert.match(again.out, /feed 3: not changed since the last fetch/);
    const cached = cairn(['feeds', 'cache', '3']);
    assert.match(cached.out, /feed 3: \d+ values cached/);
    // The feed's events are stored and its values cached: a lookup shows both.
    const lookup = JSON.parse(cairn(['lookup', 'login-portal.example', '--json']).out);
    assert.equal(lookup.events.length, 2);
    assert.deepEqual(lookup.feeds.map((f: { name: string }) => f.name), ['CERT-A']);
    assert.ok(lookup.feeds[0].eventUuids.includes('c1a00000-0000-4000-8000-000000000001'));
    assert.match(cairn(['lookup', 'login-portal.example']).out, /in cached feeds:\n {4}3 CERT-A \(events /);
  });

  it('refuses local feeds once `cairn settings feeds.disable_local_access true` is set', () => {
    assert.equal(cairn(['settings', 'feeds.disable_local_access', 'true']).code, 0);
    try {
      const added = cairn(['feeds', 'add', 'Again', fixturePath('feeds', 'cert-a'), '--local']);
      assert.notEqual(added.code, 0);
      assert.match(added.err, /input_source.*local feeds are thereby not allowed/);
      assert.match(cairn(['feeds', 'fetch', '3']).out + cairn(['feeds', 'fetch', '3']).err, /local feeds are thereby not allowed/);
    } finally {
      assert.equal(cairn(['settings', 'feeds.disable_local_access', 'false']).code, 0);
    }
  });

  it('adds the indicators of a text file to an event (import --freetext FILE --event ID)', () => {
    const report = join(work, 'report.txt');
    writeFileSync(report, 'Beacons to hxxp://c2-panel[.]example[.]net/gate.php and 192.0.2.77; dropper d41d8cd98f00b204e9800998ecf8427e.\n');
    const r = cairn(['import', '--freetext', report, '--event', 'c1a00000-0000-4000-8000-000000000001']);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, 'url\thttp://c2-panel.example.net/gate.php\nip-dst\t192.0.2.77\nmd5\td41d8cd98f00b204e9800998ecf8427e\n');
    assert.match(r.err, /: 3 attribute\(s\) added of 3 indicator\(s\) found/);
    const lookup = JSON.parse(cairn(['lookup', '192.0.2.77', '--json']).out);
    assert.deepEqual(lookup.events, ['c1a00000-0000-4000-8000-000000000001']);
    assert.match(cairn(['import', '--freetext', report]).err, /--freetext needs --event ID/);
    assert.match(cairn(['import', '--freetext', report, '--event', '999']).err, /--event: there is no event 999/);
  });

  it('refuses what it cannot do, naming it', () => {
    assert.match(cairn(['feeds', 'add', 'x', 'ftp://nowhere/x']).err, /url must be a valid http or https URL/);
    assert.match(cairn(['feeds', 'fetch']).err, /name the feeds by id, or give --all/);
    assert.match(cairn(['feeds', 'enable', '99']).err, /there is no feed 99/);
    assert.match(cairn(['feeds', 'frobnicate']).err, /unknown action "frobnicate"/);
    assert.match(cairn(['feeds', 'defaults'], { CAIRN_LIBRARIES: '' }).err, /No library folder is configured/);
  });

  it('loads a default list from a folder', () => {
    const dir = join(work, 'libs');
    spawnSync('mkdir', ['-p', dir]);
    writeFileSync(join(dir, 'misp-default-feeds.json'), JSON.stringify([{ Feed: { name: 'Tor exit nodes', provider: 'x', url: 'https://example.org/tor.txt', source_format: 'csv', settings: '{"csv":{"value":"1"}}' } }]));
    const r = cairn(['feeds', 'defaults', dir]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /1 default feed\(s\) added, all disabled/);
    assert.match(cairn(['feeds']).out, /disabled\s+csv\s+Tor exit nodes/);
  });
});
