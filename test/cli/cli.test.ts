import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { generateEvents } from '../../bench/corpus.js';
import { REAL_DATA_SKIP, describeRealData, fixturePath, sharedPath } from '../helpers/shared-data.js';
import { stixIdProblems, stixProblems } from '../helpers/stix.js';
import { ROOT, cairnArgs } from '../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'cairn-cli-'));
after(() => rmSync(work, { recursive: true, force: true }));

let n = 0;
function freshDb(): string {
  return join(work, `store-${++n}`, 'cairn.db');
}

function cairn(db: string, args: string[], input?: string) {
  const r = spawnSync(process.execPath, cairnArgs(...args), {
    cwd: ROOT, env: { ...process.env, CAIRN_DB: db, DATABASE_URL: '' }, input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The fixture feeds (test/fixtures/feeds): two CERT-A reports on one group share seven values, and a CVE with an OSINT-B post. */
const FEEDS = fixturePath('feeds');
const FIRST = 'c1a00000-0000-4000-8000-000000000001';
const SECOND = 'c1a00000-0000-4000-8000-000000000002';
const WARNINGLISTS = fixturePath('misp', 'misp-warninglists');
const RESOLVERS = 'Public DNS resolvers (IPv4)';

describe('cairn import', () => {
  const db = freshDb();

  it('imports every feed of a folder, names each rejected value and why, and exits 2', () => {
    const r = cairn(db, ['import', FEEDS]);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /events: 5 imported, 0 updated, 0 unchanged, 0 rejected; attributes: 49 stored, 2 rejected/);
    const rejected = r.err.split('\n').filter((l) => l.includes('attribute skipped'));
    assert.equal(rejected.length, 2);
    for (const line of rejected) assert.match(line, /event [0-9a-f-]{36}, item [0-9a-f-]{36}: value "\d+:[^"]+": invalid ssdeep: expected blocksize:hash:hash/);
  });

  it('changes nothing the second time', () => {
    const r = cairn(db, ['import', '--quiet', FEEDS]);
    assert.match(r.err, /events: 0 imported, 0 updated, 5 unchanged, 0 rejected/);
  });

  it('counts what it holds', () => {
    const stats = JSON.parse(cairn(db, ['stats', '--json']).out);
    assert.equal(stats.events, 5);
    assert.equal(stats.attributes, 48, 'every attribute stored but the deleted one');
    assert.equal(stats.objects, 3);
    assert.equal(stats.attributesByType.domain, 13);
    assert.equal(stats.attributesByType.ssdeep, 1, 'the rejected values are not stored');
    assert.ok(stats.topTags.some((t: { name: string }) => t.name === 'tlp:white'));
  });

  it('lists the correlations of an event, and looks up a value', () => {
    // The two CERT-A reports share five domains, an address and a CVE.
    const c = JSON.parse(cairn(db, ['correlations', FIRST, '--json']).out);
    assert.equal(c.event, FIRST);
    const second = c.related.find((r: { event: string }) => r.event === SECOND);
    assert.equal(second.shared, 7);
    assert.equal(second.info, '[CERT-A] Infrastructure of the fixture group, second report');
    assert.ok(second.values.includes('login-portal.example'));
    assert.deepEqual(Object.keys(c.related[0]).sort(), ['event', 'info', 'shared', 'values']);
    const l = JSON.parse(cairn(db, ['lookup', 'CVE-2024-0001', '--json']).out);
    assert.deepEqual(Object.keys(l), ['value', 'events', 'warninglists', 'overCorrelating', 'feeds']);
    assert.equal(l.events.length, 3);
    assert.equal(l.overCorrelating, false);
    assert.match(cairn(db, ['correlations', FIRST]).out, /7 shared {2}event \d+ c1a00000-0000-4000-8000-000000000002/);
    const report = cairn(db, ['report', FIRST, '--related']).out;
    assert.match(report, /\n## Related Events\n\* 2024-04-10: \[CERT-A\] Infrastructure of the fixture group, second report \(c1a00000-0000-4000-8000-000000000002\) \u2014 7 shared values\n/);
    assert.ok(!cairn(db, ['report', FIRST]).out.includes('Related Events'), 'off by default');
  });

  it('draws the graph around an event, and gives the correlations of one attribute', () => {
    const g = JSON.parse(cairn(db, ['correlations', FIRST, '--graph', '--depth', '1', '--json']).out);
    assert.deepEqual(Object.keys(g), ['event', 'depth', 'nodes', 'edges', 'truncated', 'overCorrelating']);
    assert.deepEqual(g.nodes[0], { event: FIRST, info: g.nodes[0].info, date: g.nodes[0].date, depth: 0 });
    assert.ok(g.edges.some((e: { to: string; shared: number }) => e.to === SECOND && e.shared === 7));
    assert.match(cairn(db, ['correlations', FIRST, '--graph', '--depth', '9']).err, /--depth must be a whole number from 1 to 5, not "9"/);
    assert.match(cairn(db, ['correlations', FIRST, '--depth', '2']).err, /--depth and --max-nodes go with --graph/);
    // The attribute of the first report that holds login-portal.example links to the second report alone.
    const hits = JSON.parse(cairn(db, ['search', 'login-portal.example', '--json']).out) as Array<{ uuid: string; eventUuid: string }>;
    const mine = hits.find((h) => h.eventUuid === FIRST)!;
    const a = JSON.parse(cairn(db, ['correlations', mine.uuid, '--json']).out);
    assert.equal(a.attribute, mine.uuid);
    assert.deepEqual(a.related.map((r: { values: string[] }) => r.values), [['login-portal.example']]);
    assert.match(cairn(db, ['correlations', '00000000-0000-4000-8000-000000000000']).err, /no event or attribute 00000000/);
  });

  it('changes a setting only to a value it takes', () => {
    const r = cairn(db, ['settings', 'correlation.over_threshold', 'lots']);
    assert.equal(r.code, 1);
    assert.match(r.err, /correlation.over_threshold takes a whole number of 1 or more, not "lots"/);
    assert.match(cairn(db, ['settings', 'no.such']).err, /unknown setting "no.such"/);
    assert.match(cairn(db, ['settings', 'correlation.over_threshold', '2']).out, /correlation.over_threshold = 2/);
    assert.equal(JSON.parse(cairn(db, ['lookup', 'CVE-2024-0001', '--json']).out).overCorrelating, true);
    cairn(db, ['settings', 'correlation.over_threshold', '20']);
  });

  it('excludes a value from correlation and lets it correlate again', () => {
    const shared = () => JSON.parse(cairn(db, ['correlations', FIRST, '--json']).out).related[0].shared;
    assert.equal(shared(), 7);
    assert.match(cairn(db, ['exclusions', 'add', '%-downloads.example', '--comment', 'test']).err, /excluded %-downloads.example/);
    assert.match(cairn(db, ['exclusions']).out, /%-downloads.example {4}# test/);
    assert.equal(shared(), 5, 'cdn-downloads.example and files-downloads.example no longer correlate');
    assert.equal(cairn(db, ['exclusions', 'remove', '%-downloads.example']).code, 0);
    assert.equal(shared(), 7);
    assert.match(cairn(db, ['exclusions', 'remove', 'never.example']).err, /no exclusion "never.example"/);
    assert.match(cairn(db, ['exclusions', 'drop', 'x']).err, /unknown action "drop"/);
  });

  it('loads warninglists, enables and disables them, and reports hits on lookup', () => {
    assert.match(cairn(db, ['warninglists']).out, /no warninglists loaded/);
    assert.match(cairn(db, ['warninglists', 'load', WARNINGLISTS, '--disabled']).err, /3 warninglists added \(disabled\), 0 updated/);
    assert.match(cairn(db, ['warninglists', 'check', '8.8.8.8']).out, /on no enabled warninglist/);
    assert.match(cairn(db, ['warninglists', 'enable', RESOLVERS]).err, /1 warninglist enabled/);
    assert.match(cairn(db, ['warninglists', 'check', '8.8.8.8', '--type', 'ip-dst']).out, /Public DNS resolvers \(IPv4\)/);
    assert.match(cairn(db, ['warninglists', 'enable', 'No such list']).err, /no warninglist named "No such list"/);
    assert.match(cairn(db, ['warninglists']).out, /^on +cidr +4 +Public DNS resolvers \(IPv4\)$/m);
    const l = JSON.parse(cairn(db, ['lookup', '8.8.8.8', '--json']).out);
    assert.deepEqual(l.warninglists, [RESOLVERS]);
    assert.match(cairn(db, ['warninglists', 'disable', '--all']).err, /warninglists disabled/);
    assert.match(cairn(db, ['warninglists', 'load', join(work, 'nowhere')]).err, /is not a directory/);
  });

  it('loads the community libraries, turns taxonomies on and off, and names what it cannot read', () => {
    const db2 = freshDb();
    assert.match(cairn(db2, ['libraries']).out, /^on +taxonomy +PAP$/m, 'TLP and PAP are built in');
    const loaded = cairn(db2, ['libraries', 'load', fixturePath('misp', 'misp-taxonomies')]);
    assert.equal(loaded.code, 0, loaded.err);
    assert.match(loaded.err, /loaded 2 taxonomies, 0 galaxies with 0 clusters, 0 object templates, 0 noticelists, 0 warninglists/);
    assert.match(cairn(db2, ['libraries']).out, /^off +taxonomy +admiralty-scale$/m);
    assert.match(cairn(db2, ['libraries', 'enable', 'admiralty-scale']).err, /1 enabled/);
    const json = JSON.parse(cairn(db2, ['libraries', '--json']).out);
    assert.equal(json.taxonomies.find((t: { namespace: string }) => t.namespace === 'admiralty-scale').enabled, true);
    assert.match(cairn(db2, ['libraries', 'disable', 'no-such']).err, /no taxonomy or noticelist named "no-such"/);
    const empty = mkdtempSync(join(work, 'empty-'));
    const r = cairn(db2, ['libraries', 'load', empty]);
    assert.equal(r.code, 1);
    assert.match(r.err, /holds no MISP library/);
  });

  it('shows warninglist hits in search, and leaves them out of search and export on request', () => {
    const db2 = freshDb();
    const event = { Event: { uuid: 'e1000000-0000-4000-8000-000000000001', info: 'Resolver abuse', date: '2024-02-01', timestamp: '10', distribution: '3',
      Orgc: { name: 'Org A', uuid: 'aaaaaaaa-0000-4000-8000-000000000000' },
      Attribute: [{ type: 'ip-dst', value: '8.8.8.8' }, { type: 'ip-dst', value: '203.0.113.7' }],
      Object: [{ name: 'ip-port', Attribute: [{ type: 'ip-dst', object_relation: 'ip', value: '8.8.4.4' }] }] } };
    assert.match(cairn(db2, ['import', '-'], JSON.stringify(event)).err, /events: 1 imported/);
    cairn(db2, ['warninglists', 'load', WARNINGLISTS, '--disabled']);
    cairn(db2, ['warninglists', 'enable', RESOLVERS]);
    const hits = JSON.parse(cairn(db2, ['search', '--type', 'ip-dst', '--json']).out) as Array<{ value: string; warninglists: string[] }>;
    assert.deepEqual(hits.map((h) => [h.value, h.warninglists]), [
      ['8.8.8.8', [RESOLVERS]], ['203.0.113.7', []], ['8.8.4.4', [RESOLVERS]]]);
    assert.match(cairn(db2, ['search', '8.8.8.8']).out, /\[on warninglist: Public DNS resolvers \(IPv4\)\]/);
    const kept = JSON.parse(cairn(db2, ['search', '--type', 'ip-dst', '--enforce-warninglist', '--limit', '1', '--json']).out) as Array<{ value: string }>;
    assert.deepEqual(kept.map((h) => h.value), ['203.0.113.7'], 'the limit counts what is kept');
    const listedFirst = { Event: { uuid: 'e1000000-0000-4000-8000-000000000002', info: 'Resolvers first', date: '2024-02-02', timestamp: '10', distribution: '3',
      Orgc: { name: 'Org A', uuid: 'aaaaaaaa-0000-4000-8000-000000000000' },
      Attribute: ['8.8.8.8', '8.8.4.4', '198.51.100.1', '198.51.100.2', '198.51.100.3'].map((value) => ({ type: 'ip-dst', value })) } };
    assert.match(cairn(db2, ['import', '-'], JSON.stringify(listedFirst)).err, /events: 1 imported/);
    const two = JSON.parse(cairn(db2, ['search', '--event', 'e1000000-0000-4000-8000-000000000002', '--enforce-warninglist', '--limit', '2', '--json']).out) as Array<{ value: string }>;
    assert.deepEqual(two.map((h) => h.value), ['198.51.100.1', '198.51.100.2'], 'listed hits first, and still two hits kept');
    const exported = JSON.parse(cairn(db2, ['export', 'e1000000-0000-4000-8000-000000000001', '--enforce-warninglist']).out);
    assert.deepEqual(exported.Event.Attribute.map((a: { value: string }) => a.value), ['203.0.113.7']);
    assert.deepEqual(exported.Event.Object ?? [], [], 'an object left empty is left out');
    const whole = JSON.parse(cairn(db2, ['export', 'e1000000-0000-4000-8000-000000000001']).out);
    assert.equal(whole.Event.Attribute.length, 2);
  });

  it('reads events from standard input: an array, or {"response": [...]}', () => {
    const db2 = freshDb();
    const dir = join(FEEDS, 'cert-a');
    const events = readdirSync(dir).filter((f) => /^[0-9a-f-]{36}\.json$/.test(f)).slice(0, 3).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')));
    assert.match(cairn(db2, ['import', '-'], JSON.stringify(events.slice(0, 2))).err, /events: 2 imported/);
    assert.match(cairn(db2, ['import', '-'], JSON.stringify({ response: events })).err, /events: 1 imported, 0 updated, 2 unchanged/);
  });

  it('reports input that is not JSON, or missing, and exits 2', () => {
    const bad = join(work, 'bad.json');
    writeFileSync(bad, '{"Event": {');
    const r = cairn(freshDb(), ['import', bad, join(work, 'missing.json')]);
    assert.equal(r.code, 2);
    assert.match(r.err, /bad\.json: input: invalid JSON/);
    assert.match(r.err, /missing\.json: input: no such file or directory/);
    assert.match(r.err, /2 rejected/);
  });

  it('refuses a bad option with a message that names it', () => {
    const r = cairn(freshDb(), ['import', '--distribution', '7', FEEDS]);
    assert.equal(r.code, 1);
    assert.match(r.err, /--distribution must be 0, 1, 2, 3 or 4, not "7"/);
    const w = cairn(freshDb(), ['import', '--writers', '0', FEEDS]);
    assert.equal(w.code, 1);
    assert.match(w.err, /--writers must be a whole number from 1 to 16, not "0"/);
  });

  it('leaves every event whole or absent when killed mid-import', async () => {
    const feed = join(work, 'big-feed');
    const sizes = new Map<string, number>();
    rmSync(feed, { recursive: true, force: true });
    spawnSync('mkdir', ['-p', feed]);
    for (const doc of generateEvents({ attributes: 200_000, seed: 7 })) {
      const e = doc.Event as { uuid: string; Attribute: unknown[]; Object: Array<{ Attribute: unknown[] }> };
      sizes.set(e.uuid, e.Attribute.length + e.Object.reduce((s, o) => s + o.Attribute.length, 0));
      writeFileSync(join(feed, `${e.uuid}.json`), JSON.stringify(doc));
    }
    const file = freshDb();
    const child = spawn(process.execPath, cairnArgs('import', '--quiet', feed), {
      cwd: ROOT, env: { ...process.env, CAIRN_DB: file, DATABASE_URL: '' }, stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    // Kill it as soon as a first group of events is committed.
    let committed = 0;
    for (let i = 0; i < 600 && committed === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      try {
        const peek = new SQLite(file, { readonly: true, fileMustExist: true });
        committed = (peek.prepare('select count(*) as n from event').get() as { n: number }).n;
        peek.close();
      } catch {
        // not created yet
      }
    }
    child.kill('SIGKILL');
    await exited;
    const store = new SQLite(file, { readonly: true });
    const rows = store.prepare(`select lower(hex(e.uuid)) as uuid, e.attribute_count as counted, (select count(*) from attribute a where a.event_id = e.id) as held from event e`).all() as Array<{ uuid: string; counted: number; held: number }>;
    store.close();
    assert.ok(rows.length > 0 && rows.length < sizes.size, `killed mid-import: ${rows.length} of ${sizes.size} events stored`);
    for (const r of rows) {
      const uuid = `${r.uuid.slice(0, 8)}-${r.uuid.slice(8, 12)}-${r.uuid.slice(12, 16)}-${r.uuid.slice(16, 20)}-${r.uuid.slice(20)}`;
      assert.equal(r.held, sizes.get(uuid), `event ${uuid} holds all its attributes`);
      assert.equal(r.counted, r.held);
    }
  });
});

describeRealData('cairn import', () => {
  const db = freshDb();
  const FEEDS = sharedPath('data', 'feeds');

  it('imports every real feed, names each rejected value and why, and exits 2', () => {
    const r = cairn(db, ['import', FEEDS]);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /events: 140 imported, 0 updated, 0 unchanged, 0 rejected; attributes: 21341 stored, 3 rejected/);
    const rejected = r.err.split('\n').filter((l) => l.includes('attribute skipped'));
    assert.equal(rejected.length, 3);
    for (const line of rejected) assert.match(line, /event [0-9a-f-]{36}, item [0-9a-f-]{36}: value "\d+:[^"]+": invalid ssdeep: expected blocksize:hash:hash/);
  });

  it('changes nothing the second time', () => {
    const r = cairn(db, ['import', '--quiet', FEEDS]);
    assert.match(r.err, /events: 0 imported, 0 updated, 140 unchanged, 0 rejected/);
  });

  it('counts what it holds', () => {
    const stats = JSON.parse(cairn(db, ['stats', '--json']).out);
    assert.equal(stats.events, 140);
    assert.equal(stats.attributes, 21341);
    assert.equal(stats.objects, 1321);
    assert.equal(stats.attributesByType.domain, 8967);
    assert.ok(stats.topTags.some((t: { name: string }) => t.name === 'tlp:white'));
  });

  it('lists the correlations of a real event, draws its graph, and looks up a value', () => {
    // Two CERT-FR reports on TA505 share 26 domains.
    const c = JSON.parse(cairn(db, ['correlations', '6021536f-a808-4b9c-8136-d7460aba047c', '--json']).out);
    const ta505 = c.related.find((r: { event: string }) => r.event === '5eec7d77-302c-45b8-ade6-c3d20aba047c');
    assert.equal(ta505.shared, 26);
    assert.equal(ta505.info, '[CERT-FR] Le groupe cybercriminel TA505');
    assert.ok(ta505.values.includes('clients-share.com'));
    assert.ok(JSON.parse(cairn(db, ['lookup', 'CVE-2017-11882', '--json']).out).events.length >= 3);
    const report = cairn(db, ['report', '6021536f-a808-4b9c-8136-d7460aba047c', '--related']).out;
    assert.match(report, /\n## Related Events\n\* 2020-06-19: \[CERT-FR\] Le groupe cybercriminel TA505 \(5eec7d77-302c-45b8-ade6-c3d20aba047c\) \u2014 26 shared values\n/);
    const g = JSON.parse(cairn(db, ['correlations', '6021536f-a808-4b9c-8136-d7460aba047c', '--graph', '--depth', '1', '--json']).out);
    assert.ok(g.edges.some((e: { to: string; shared: number }) => e.to === '5eec7d77-302c-45b8-ade6-c3d20aba047c' && e.shared === 26));
    // The attribute of event 6021536f… that holds clients-share.com links to the other TA505 report alone.
    const hits = JSON.parse(cairn(db, ['search', 'clients-share.com', '--json']).out) as Array<{ uuid: string; eventUuid: string }>;
    const mine = hits.find((h) => h.eventUuid === '6021536f-a808-4b9c-8136-d7460aba047c')!;
    assert.deepEqual(JSON.parse(cairn(db, ['correlations', mine.uuid, '--json']).out).related.map((r: { values: string[] }) => r.values), [['clients-share.com']]);
  });
});

describe('cairn report, search, export', () => {
  const db = freshDb();
  const SAMPLE = '8f3b6c1e-2a47-4d0b-9c5e-7e1f0a2b3c4d';

  it('demo imports the sample feed and prints its report', () => {
    const r = cairn(db, ['demo']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^# Threat Report: 2026-10-14: Phishing wave delivering the FROSTBITE loader/);
    assert.match(r.out, /### file \u2014 File object describing a file with meta-information\n/);
    assert.match(cairn(db, ['demo']).err, /3 unchanged/);
  });

  it('prints a report by uuid or id, with types redacted', () => {
    const byUuid = cairn(db, ['report', SAMPLE, '--redact', 'md5,sha256']);
    assert.equal(byUuid.code, 0, byUuid.err);
    assert.match(byUuid.out, /\* \[Payload installation\] md5: <md5>\n/);
    assert.match(byUuid.out, /\* filename\|sha256: invoice_2026-1043\.docm\|4e3a1c0f/, 'only the types named are redacted');
    assert.ok(byUuid.out.endsWith('\n') && !byUuid.out.endsWith('\n\n'));
    assert.equal(cairn(db, ['report', '1', '--redact', 'md5,sha256']).out, byUuid.out);
    assert.match(cairn(db, ['report', SAMPLE, '--redact', 'md6']).err, /--redact names unknown attribute types: md6/);
    const missing = cairn(db, ['report', '999']);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /no event 999/);
  });

  it('searches values, patterns, types and tags, as a table or JSON', () => {
    const hits = JSON.parse(cairn(db, ['search', '198.51.100.23', '--json']).out);
    assert.deepEqual(hits.map((h: { eventUuid: string }) => h.eventUuid), [SAMPLE, 'b6e2d4f8-0a1c-4e3b-9d5f-7a8c9e0b1d2f']);
    assert.match(cairn(db, ['search', '%update-check%']).out, /2 attributes\n$/);
    assert.match(cairn(db, ['search', '--type', 'vulnerability', '--tag', 'tlp:white']).out, /CVE-2026-21345/);
    assert.match(cairn(db, ['search']).err, /give a VALUE or at least one of/);
  });

  it('exports MISP JSON that round-trips, and a feed that imports elsewhere', () => {
    const json = cairn(db, ['export', '--all']).out;
    const db2 = freshDb();
    const file = join(work, 'all.json');
    writeFileSync(file, json);
    assert.equal(cairn(db2, ['import', file]).code, 0);
    assert.equal(cairn(db2, ['export', '--all']).out, json);
    const one = JSON.parse(cairn(db, ['export', SAMPLE]).out);
    assert.equal(one.Event.uuid, SAMPLE);
    const feed = join(work, 'feed-out');
    assert.equal(cairn(db, ['export', '--all', '--format', 'misp-feed', '--out', feed]).code, 0);
    const manifest = JSON.parse(readFileSync(join(feed, 'manifest.json'), 'utf8'));
    assert.equal(Object.keys(manifest).length, 3);
    assert.match(readFileSync(join(feed, 'hashes.csv'), 'utf8'), /^[0-9a-f]{32},[0-9a-f-]{36}\n/);
    const db3 = freshDb();
    assert.match(cairn(db3, ['import', feed]).err, /events: 3 imported/);
    assert.equal(cairn(db3, ['export', '--all']).out, json);
  });

  it('exports a STIX 2.1 bundle of one event or all', () => {
    const one = JSON.parse(cairn(db, ['export', SAMPLE, '--format', 'stix2']).out);
    assert.deepEqual(stixIdProblems(one), []);
    assert.deepEqual(one.objects.filter((o: { type: string }) => o.type === 'report').map((o: { id: string }) => o.id), [`report--${SAMPLE}`]);
    const all = JSON.parse(cairn(db, ['export', '--all', '--format', 'stix2', '--grouping']).out);
    assert.deepEqual(stixIdProblems(all), []);
    assert.ok(all.objects.filter((o: { type: string }) => o.type === 'grouping').length > 1);
    assert.match(cairn(db, ['export', 'ffffffff-0000-4000-8000-000000000000', '--format', 'stix2']).err, /no event/);
  });

  it('exports STIX 2.1 valid by the OASIS schemas', { skip: REAL_DATA_SKIP }, () => {
    assert.deepEqual(stixProblems(JSON.parse(cairn(db, ['export', SAMPLE, '--format', 'stix2']).out)), []);
    assert.deepEqual(stixProblems(JSON.parse(cairn(db, ['export', '--all', '--format', 'stix2', '--grouping']).out)), []);
  });

  it('exports the line formats of restSearch: CSV of an event, rules and zones of IDS attributes', () => {
    const csv = cairn(db, ['export', SAMPLE, '--format', 'csv']).out.split('\n');
    assert.equal(csv[0], 'uuid,event_id,category,type,value,comment,to_ids,date,object_relation,attribute_tag,object_uuid,object_name,object_meta_category');
    assert.ok(csv.some((l) => l.includes('"198.51.100.23"')));
    const suricata = cairn(db, ['export', '--all', '--format', 'suricata']);
    assert.equal(suricata.code, 0, suricata.err);
    assert.match(suricata.out, /^# MISP export of IDS rules - optimized for suricata/);
    assert.match(cairn(db, ['export', '--all', '--format', 'pdf']).err, /pdf/);
  });
});

describe('cairn serve, orgs and users', () => {
  const db = freshDb();
  const ADMIN_KEY = 'A'.repeat(20) + '0123456789abcdefghij';

  it('makes users with keys from the command line', () => {
    const made = cairn(db, ['users', 'add', 'ana@example.org', '--role', 'Publisher']);
    assert.equal(made.code, 0, made.err);
    assert.match(made.err, /made the site admin admin@admin\.test; his API key, shown this once: [A-Za-z0-9]{40}; his password for the web interface: \S{20}\n/);
    assert.match(made.out, /^[A-Za-z0-9]{40}\n$/);
    assert.match(cairn(db, ['users', 'add', 'ana@example.org']).err, /email: a user ana@example.org exists already/);
    assert.match(cairn(db, ['users', 'add', 'x@example.org', '--role', 'Boss']).err, /role: no role "Boss"; the roles are admin, Org Admin, User/);
    assert.match(cairn(db, ['users', 'add', 'y@example.org', '--org', 'Nobody']).err, /no organisation "Nobody"/);
    assert.match(cairn(db, ['orgs', 'add', 'CERT-Example']).err, /organisation \d+ [0-9a-f-]{36} "CERT-Example" is local/);
    assert.match(cairn(db, ['users']).out, /ana@example\.org +Publisher +Cairn/);
    const password = cairn(db, ['users', 'password', 'ana@example.org']);
    assert.match(password.err, /a new password for ana@example\.org \(his sessions are ended\)/);
    assert.match(password.out, /^\S{20}\n$/);
    assert.match(cairn(db, ['users', 'password', 'nobody@example.org']).err, /no user nobody@example\.org/);
  });

  it('serves the API until told to stop, with the admin key CAIRN_ADMIN_KEY gives on first start', async () => {
    const fresh = freshDb();
    const child = spawn(process.execPath, cairnArgs('serve', '--port', '0'), {
      cwd: ROOT, env: { ...process.env, CAIRN_DB: fresh, DATABASE_URL: '', CAIRN_ADMIN_KEY: ADMIN_KEY },
    });
    let err = '';
    const base = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /serving MISP's REST API on (http:\/\/[^\s]+)/.exec(err);
        if (m) resolve(m[1]!);
      });
      child.on('exit', () => reject(new Error(`serve exited: ${err}`)));
    });
    assert.match(err, /first start: made the organisation "Cairn" and the site admin admin@admin\.test/);
    assert.ok(!err.includes(ADMIN_KEY), 'a key the operator chose is not printed');
    const me = await fetch(`${base}/users/view/me`, { headers: { Authorization: ADMIN_KEY, Accept: 'application/json' } });
    assert.equal(me.status, 200);
    assert.equal(((await me.json()) as { Role: { perm_site_admin: boolean } }).Role.perm_site_admin, true);
    const code = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    assert.equal(await code, 0);
    assert.match(cairn(fresh, ['serve', '--port', 'http']).err, /the port must be a number from 0 to 65535, not "http"/);
  });
});

describe('cairn taxii', () => {
  const db = freshDb();

  it('lists, adds and removes TAXII collections, naming what is wrong', () => {
    assert.match(cairn(db, ['taxii']).out, /^365fed99-08fa-fdcd-a1b3-fb247eb41d01  \/taxii2\/cairn\/  Events \(events\): every event the user may see$/m);
    const added = cairn(db, ['taxii', 'add', 'TLP white', '--tag', 'tlp:white', '--root', 'feeds', '--alias', 'white', '--read-only']);
    assert.equal(added.code, 0, added.err);
    assert.match(added.out, /\/taxii2\/feeds\/  TLP white \(white\): events tagged tlp:white, read-only/);
    const listed = JSON.parse(cairn(db, ['taxii', '--json']).out) as Array<{ apiRoot: string; kind: string; tag: string; writable: boolean }>;
    assert.deepEqual(listed.map((c) => [c.apiRoot, c.kind, c.tag, c.writable]), [['cairn', 'all', null, true], ['feeds', 'tag', 'tlp:white', false]]);
    assert.match(cairn(db, ['taxii', 'add', 'Again', '--root', 'feeds', '--alias', 'white']).err, /has a collection aliased "white" already/);
    assert.match(cairn(db, ['taxii', 'add', 'Circle', '--sharing-group', 'nobody']).err, /no sharing group "nobody"/);
    assert.match(cairn(db, ['taxii', 'add', 'Bad', '--root', 'a/b']).err, /--root must be letters, digits/);
    assert.equal(cairn(db, ['taxii', 'remove', 'white']).code, 0);
    assert.match(cairn(db, ['taxii', 'remove', 'white']).err, /no collection "white"/);
  });
});
