import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, openPage, SHOTS } from '../helpers/browser.js';
import { buildServer } from '../../src/api/server.js';
import { WEB_DIST } from '../../src/api/web-ui.js';
import { importEvents } from '../../src/services/import/bulk.js';
import { openStore, type Store } from '../../src/store/db/database.js';
import { addOrganisation } from '../../src/store/access/organisations.js';
import { bootstrapInstance } from '../../src/store/access/users.js';
import { saveWarninglists } from '../../src/store/libraries/warninglists.js';
import { setSetting } from '../../src/store/settings.js';
import { serveFolder, type FeedServer } from '../helpers/feed-server.js';
import { fixturePath } from '../helpers/shared-data.js';

/**
 * The feed and server administration, feed hits and the free-text import, end to end: a real server
 * over the embedded store with feeds served on loopback, driven by Debian's Chromium through
 * playwright-core. Screenshots are left in test-output/screenshots.
 */
const PASSWORD = 'correct horse battery staple';
const EVENT = 'e2ef0000-0000-4000-8000-000000000001';
const REMOTE_KEY = 'Q'.repeat(20) + 'z'.repeat(20);

describe('web interface: feeds, servers and free text', { skip: process.env.CAIRN_TEST_SKIP_BROWSER === '1' ? 'CAIRN_TEST_SKIP_BROWSER=1' : false }, () => {
  let store: Store;
  let dir: string;
  let base: string;
  let adminKey: string;
  let host: FeedServer;
  let browser: Browser;
  let page: Page;
  let close: () => Promise<void>;
  const pageErrors: string[] = [];

  before(async () => {
    assert.ok(existsSync(join(WEB_DIST, 'index.html')), 'the interface is built (npm run build:web)');
    assert.ok(existsSync(CHROMIUM), `Chromium at ${CHROMIUM} (apt-get install chromium)`);
    dir = mkdtempSync(join(tmpdir(), 'cairn-e2e-admin-'));
    // The feeds' host: a MISP feed (the CERT-A fixture) and a block list sharing 198.51.100.10 with it.
    const feeds = join(dir, 'feeds');
    cpSync(fixturePath('feeds', 'cert-a'), join(feeds, 'cert-a'), { recursive: true });
    writeFileSync(join(feeds, 'list.txt'), '# a block list\n198.51.100.10\n192.0.2.200\n');
    host = await serveFolder(feeds);
    // A library folder with a default feed list in MISP's feed-metadata format.
    const libraries = join(dir, 'libraries');
    mkdirSync(libraries);
    writeFileSync(join(libraries, 'misp-default-feeds.json'), JSON.stringify([
      { Feed: { name: 'Default OSINT', provider: 'Example CERT', url: 'https://feeds.example/osint', source_format: 'misp', input_source: 'network' } },
    ]));

    store = await openStore({ sqlitePath: join(dir, 'cairn.db') });
    const boot = await bootstrapInstance(store, { adminPassword: PASSWORD });
    adminKey = boot.admin!.key;
    await addOrganisation(store, 'Remote Org');
    await setSetting(store, 'feeds.allow_private_networks', 'true');
    await saveWarninglists(store, [
      { name: 'List of known public DNS resolvers', description: '', version: 1, type: 'cidr', matchingAttributes: ['ip-dst', 'ip-src'], list: ['8.8.8.8/32'] },
    ], true);
    const own = { name: boot.hostOrganisation.name, uuid: boot.hostOrganisation.uuid };
    await importEvents(store, (async function* () {
      yield { source: 'e2e', json: { Event: {
        uuid: EVENT, info: 'Seen on our network', distribution: '0', date: '2026-11-03', timestamp: '1790000000', Orgc: own, Org: own,
        Attribute: [
          { type: 'ip-dst', value: '198.51.100.10', category: 'Network activity', to_ids: true },
          { type: 'domain', value: 'nowhere-else.example', category: 'Network activity', to_ids: true },
        ],
      } } };
    })());
    const app = await buildServer(store, { libraryDirs: [libraries] });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    close = async () => {
      await app.close();
      await store.close();
    };
    ({ browser, page } = await openPage(pageErrors));
    await page.goto(`${base}/`);
    await page.getByLabel('E-mail address').fill('admin@admin.test');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  });

  after(async () => {
    await browser?.close();
    await close?.();
    await host?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  const status = (text: string | RegExp) => page.getByRole('status').getByText(text).waitFor();
  const feedRow = (name: string) => page.locator(`tr[data-feed="${name}"]`);

  it('adds a loopback feed, fetches it and shows what the fetch did; changes it, previews it', async () => {
    await page.goto(`${base}/#/admin/feeds`);
    await page.getByRole('heading', { name: 'Feeds' }).waitFor();
    await page.getByRole('button', { name: 'Add feed' }).click();
    const form = page.getByRole('form', { name: 'Add feed' });
    await form.getByLabel('Name').fill('Block list');
    await form.getByLabel('Provider').fill('e2e');
    await form.getByLabel('Format').selectOption('freetext');
    await form.getByLabel('URL').fill(`${host.base}/list.txt`);
    await form.getByLabel('enabled (fetched)').check();
    await form.getByLabel('caching (feed hits)').check();
    await form.getByRole('button', { name: 'Add feed' }).click();
    await status('Added the feed Block list.');
    const row = feedRow('Block list');
    await row.waitFor();
    assert.match(await row.textContent() ?? '', /never run/);
    assert.equal(await row.getByLabel('Enable Block list').isChecked(), true);

    await page.getByRole('button', { name: 'Fetch Block list' }).click();
    await status(/Block list: Fetching the feed has successfully completed\. 2 value\(s\) in the feed\./);
    await row.locator('.last-run[data-outcome="done"]', { hasText: 'fetch done' }).waitFor();
    assert.match(await row.locator('.last-run').textContent() ?? '', /2 values/);
    assert.ok(host.log.some((l) => l.path === '/list.txt' && l.status === 200), 'the feed was read from its host');

    await page.getByRole('button', { name: 'Edit Block list' }).click();
    const change = page.getByRole('form', { name: 'Change feed' });
    assert.equal(await change.getByLabel('URL').inputValue(), `${host.base}/list.txt`);
    await change.getByLabel('Provider').fill('e2e CERT');
    await change.getByLabel('Exclude (regex)').fill('/^192\\.0\\.2\\./');
    await change.getByRole('button', { name: 'Save feed' }).click();
    await status('Changed the feed Block list.');
    await row.getByText('e2e CERT').waitFor();

    await page.getByRole('button', { name: 'Preview Block list' }).click();
    await page.locator('.feed-preview td', { hasText: '198.51.100.10' }).waitFor();
    assert.equal(await page.locator('.feed-preview td', { hasText: '192.0.2.200' }).count(), 0, 'the exclusion applies to the preview');
    await shot('admin-feeds');
  });

  it('reports a failing feed in its row without touching the others', async () => {
    host.failing.add('/list.txt');
    try {
      await page.getByRole('button', { name: 'Fetch Block list' }).click();
      await status(/Block list: Fetching the feed has failed/);
      await feedRow('Block list').locator('.last-run[data-outcome="failed"] .problems li').first().waitFor();
    } finally {
      host.failing.delete('/list.txt');
    }
    await page.getByRole('button', { name: 'Fetch Block list' }).click();
    await feedRow('Block list').locator('.last-run[data-outcome="done"]').waitFor();
    await page.getByRole('button', { name: 'History of Block list' }).click();
    const runs = page.locator('.feed-history tbody tr');
    await runs.nth(2).waitFor();
    assert.deepEqual(await runs.locator('.status').allTextContents(), ['done', 'failed', 'done'], 'newest first');
    assert.match(await runs.nth(1).textContent() ?? '', /500/);
    await shot('admin-feed-history');
  });

  it('caches the feeds, shows their overlap, and loads the default list', async () => {
    // The second feed through the API, as a script would add it.
    const added = await fetch(`${base}/feeds/add`, {
      method: 'POST', headers: { Authorization: adminKey, Accept: 'application/json', 'Content-Type': 'application/json' },
      body: JSON.stringify({ Feed: { name: 'CERT-A', provider: 'fixture', source_format: 'misp', url: `${host.base}/cert-a`, caching_enabled: true } }),
    });
    assert.equal(added.status, 200);
    await page.reload();
    await feedRow('CERT-A').waitFor();
    assert.equal(await feedRow('CERT-A').getByLabel('Enable CERT-A').isChecked(), false);
    await page.getByRole('button', { name: 'Cache all' }).click();
    await status('Caching 2 feeds in the background…');
    for (const name of ['Block list', 'CERT-A']) await feedRow(name).locator('.last-run', { hasText: 'cache done' }).waitFor();
    assert.match(await feedRow('Block list').locator('.last-run').textContent() ?? '', /1 value cached/);

    await page.getByRole('button', { name: 'Compare feeds' }).click();
    const cell = page.locator('.overlap td[data-pair="Block list|CERT-A"]');
    await cell.waitFor();
    assert.match(await cell.textContent() ?? '', /^1 \(100%\)$/);
    await shot('admin-feeds-compare');

    await page.getByRole('button', { name: 'Preview CERT-A' }).click();
    await page.locator('.feed-preview td', { hasText: '[CERT-A] Phishing by the fixture group, first report' }).waitFor();

    await page.getByRole('button', { name: 'Load default feeds' }).click();
    await status('Default feeds loaded (all disabled).');
    const listed = feedRow('Default OSINT');
    await listed.getByText('default').waitFor();
    assert.equal(await listed.getByLabel('Enable Default OSINT').isChecked(), false);
    await page.getByRole('button', { name: 'Delete Default OSINT' }).click();
    await status(/Deleted Default OSINT/);
    await listed.waitFor({ state: 'detached' });
  });

  it('shows on the event page, and in a search, which feeds hold a value', async () => {
    await page.goto(`${base}/#/events/${EVENT}`);
    const hit = page.locator('.attribute-row', { hasText: '198.51.100.10' }).locator('.badge.feed');
    await hit.waitFor();
    assert.equal(await hit.getAttribute('title'), 'also in feeds Block list, CERT-A');
    assert.equal(await page.locator('.attribute-row', { hasText: 'nowhere-else.example' }).locator('.badge.feed').count(), 0);
    for (const name of ['Block list', 'CERT-A']) await page.locator(`.feed-hits li[data-feed="${name}"]`, { hasText: '198.51.100.10' }).waitFor();
    await shot('event-feed-hits');

    await page.getByRole('link', { name: 'Search' }).click();
    await page.getByLabel('Value', { exact: true }).fill('198.51.100.10');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('.results tbody tr', { hasText: 'Seen on our network' }).waitFor();
    await page.locator('.feed-hits li[data-feed="CERT-A"]', { hasText: /MISP Feed · \d feed events/ }).waitFor();
    await page.locator('.feed-hits li[data-feed="Block list"]').waitFor();
    await shot('search-feed-hits');
  });

  it('reads pasted text into a preview, and adds only the rows confirmed', async () => {
    await page.goto(`${base}/#/events/${EVENT}`);
    await page.getByRole('button', { name: 'Free text' }).click();
    await page.getByLabel(/Text with indicators/).fill('The kit called hxxp://evil-kit[.]example/gate.php and resolved through 8.8.8.8; its server 203.0.113.9 and nowhere-else.example.');
    await page.getByRole('button', { name: 'Find indicators' }).click();
    const preview = page.locator('.free-text-preview');
    await preview.getByRole('heading', { name: '4 indicators found, 1 on a warninglist' }).waitFor();
    await shot('free-text-preview');
    const dns = preview.locator('tr[data-value="8.8.8.8"]');
    assert.match(await dns.textContent() ?? '', /List of known public DNS resolvers/);
    assert.equal(await dns.getByLabel('Add 8.8.8.8').isChecked(), false, 'a warninglisted value is left out');
    assert.equal(await preview.locator('tr[data-value="http://evil-kit.example/gate.php"] .muted').textContent(), 'hxxp://evil-kit[.]example/gate.php');
    await preview.getByLabel('Type of 203.0.113.9').selectOption('ip-src');
    assert.equal(await preview.getByLabel('Category of 203.0.113.9').inputValue(), 'Network activity');
    await preview.getByLabel('Comment on 203.0.113.9').fill('the kit\'s server');
    // Read as a file name here: unticked, it is not sent.
    await preview.getByLabel('Add nowhere-else.example').uncheck();
    await preview.getByRole('button', { name: 'Add 2 attributes' }).click();
    await status('Added 2 attributes from the text.');
    await page.locator('.attribute-row', { hasText: 'http://evil-kit.example/gate.php' }).waitFor();
    const server = page.locator('.attribute-row', { hasText: '203.0.113.9' });
    await server.waitFor();
    assert.match(await server.textContent() ?? '', /ip-src.*the kit's server/);
    assert.equal(await page.locator('.attribute-row', { hasText: '8.8.8.8' }).count(), 0);
  });

  it('sets a feed\'s rules and CSV settings through the form, refusing what would not work with a message by the field', async () => {
    const feedView = async (name: string) => {
      const list = await (await fetch(`${base}/feeds/index`, { headers: { Authorization: adminKey, Accept: 'application/json' } })).json() as Array<{ Feed: Record<string, string> }>;
      return list.find((f) => f.Feed.name === name)!.Feed;
    };
    await page.goto(`${base}/#/admin/feeds`);
    await page.getByRole('button', { name: 'Add feed' }).click();
    const form = page.getByRole('form', { name: 'Add feed' });
    await form.getByLabel('Name').fill('Filtered OSINT');
    await form.getByLabel('Provider').fill('e2e');
    await form.getByLabel('Format').selectOption('misp');
    await form.getByLabel('URL').fill(`${host.base}/cert-a`);
    await form.getByLabel('Tags to allow').fill('tlp:white\ntlp:clear');
    await form.getByLabel('Tags to block').fill('TLP:CLEAR');
    await form.getByLabel('Organisations to block').fill('Spam Org');
    await form.getByRole('button', { name: 'Add feed' }).click();
    await form.getByRole('alert').getByText('tlp:clear is both allowed and blocked').waitFor();
    assert.equal(await form.getByLabel('Tags to block').getAttribute('aria-invalid'), 'true');
    await form.getByLabel('Tags to block').fill('tlp:red');
    await form.getByRole('button', { name: 'Add feed' }).click();
    await status('Added the feed Filtered OSINT.');
    const misp = await feedView('Filtered OSINT');
    assert.deepEqual(JSON.parse(misp.rules!), { tags: { OR: ['tlp:white', 'tlp:clear'], NOT: ['tlp:red'] }, orgs: { OR: [], NOT: ['Spam Org'] }, url_params: '' });

    // Edited, the form shows the rules saved and changes only what is changed.
    await page.getByRole('button', { name: 'Edit Filtered OSINT' }).click();
    const change = page.getByRole('form', { name: 'Change feed' });
    assert.equal(await change.getByLabel('Tags to allow').inputValue(), 'tlp:white\ntlp:clear');
    await change.getByLabel('Organisations to allow').fill('CERT-A');
    await change.getByRole('button', { name: 'Save feed' }).click();
    await status('Changed the feed Filtered OSINT.');
    assert.deepEqual(JSON.parse((await feedView('Filtered OSINT')).rules!).orgs, { OR: ['CERT-A'], NOT: ['Spam Org'] });

    // A CSV feed: its columns, delimiter and exclusion as fields, each checked.
    await page.getByRole('button', { name: 'Add feed' }).click();
    const csv = page.getByRole('form', { name: 'Add feed' });
    await csv.getByLabel('Name').fill('Semicolon list');
    await csv.getByLabel('Provider').fill('e2e');
    await csv.getByLabel('Format').selectOption('csv');
    await csv.getByLabel('URL').fill(`${host.base}/list.txt`);
    assert.equal(await csv.getByLabel('Tags to allow').count(), 0, 'tag and organisation filters are a MISP feed\'s');
    await csv.getByLabel('Value columns').fill('0,2');
    await csv.getByLabel('Delimiter').fill(';;');
    await csv.getByLabel('Exclude (regex)').fill('/[unclosed/');
    await csv.getByRole('button', { name: 'Add feed' }).click();
    await csv.getByRole('alert').getByText('Columns are counted from 1').waitFor();
    await csv.getByRole('alert').getByText(/One character/).waitFor();
    await csv.getByRole('alert').getByText(/Not a regular expression/).waitFor();
    await shot('admin-feed-rules');
    await csv.getByLabel('Value columns').fill('1, 3');
    await csv.getByLabel('Delimiter').fill(';');
    await csv.getByLabel('Exclude (regex)').fill('/^10\\./');
    await csv.getByRole('button', { name: 'Add feed' }).click();
    await status('Added the feed Semicolon list.');
    const saved = await feedView('Semicolon list');
    assert.deepEqual(JSON.parse(saved.settings!), { csv: { value: '1,3', delimiter: ';' }, common: { excluderegex: '/^10\\./' } });
    for (const name of ['Filtered OSINT', 'Semicolon list']) {
      await page.getByRole('button', { name: `Delete ${name}` }).click();
      await status(new RegExp(`Deleted ${name}`));
    }
  });

  it('adds, changes and deletes a remote server, never showing its key, tests it and pulls from it', async () => {
    await page.goto(`${base}/#/admin/servers`);
    await page.getByRole('heading', { name: 'Servers' }).waitFor();
    await page.getByRole('button', { name: 'Add server' }).click();
    const form = page.getByRole('form', { name: 'Add server' });
    await form.getByLabel('Name').fill('Partner MISP');
    await form.getByLabel('URL').fill('https://misp.partner.example');
    await form.getByLabel('Remote organisation').selectOption({ label: 'Remote Org' });
    await form.getByLabel('Authkey').fill('too short');
    await form.getByLabel('pull', { exact: true }).check();
    await form.getByLabel('Pull rules').fill('{"tags":{"OR":["tlp:clear"],"NOT":[]}}');
    await form.getByRole('button', { name: 'Add server' }).click();
    await form.getByRole('alert').getByText(/authkey/).waitFor();
    await form.getByLabel('Authkey').fill(REMOTE_KEY);
    await form.getByRole('button', { name: 'Add server' }).click();
    await status('Added the server Partner MISP.');
    const row = page.locator('tr[data-server="Partner MISP"]');
    await row.waitFor();
    assert.match(await row.textContent() ?? '', /Remote Org.*pull/);
    assert.equal((await page.content()).includes(REMOTE_KEY), false, 'the key is never shown');

    await page.getByRole('button', { name: 'Edit Partner MISP' }).click();
    const change = page.getByRole('form', { name: 'Change server' });
    assert.equal(await change.getByLabel('Authkey').inputValue(), '', 'the key is write-only');
    assert.match(await change.getByLabel('Pull rules').inputValue(), /tlp:clear/);
    await change.getByLabel('push', { exact: true }).check();
    await change.getByLabel('push sightings').check();
    await change.getByRole('button', { name: 'Save server' }).click();
    await status('Changed the server Partner MISP.');
    await row.locator('.badge', { hasText: 'push sightings' }).waitFor();
    assert.equal((await page.content()).includes(REMOTE_KEY), false);

    // The remote is not there: the connection test says so, and a pull started shows in the history at once.
    await page.getByRole('button', { name: 'Test connection to Partner MISP' }).click();
    await row.locator('.connection-result', { hasText: /unreachable|Unexpected|Authentication/ }).waitFor();
    await page.getByRole('button', { name: 'Pull full Partner MISP' }).click();
    await status(/^Partner MISP: Pull queued for background execution\. Job ID: \d+$/);
    await page.locator('.run-history tbody tr', { hasText: 'pull' }).waitFor();
    await shot('admin-servers');

    await page.getByRole('button', { name: 'Delete Partner MISP' }).click();
    await status('Deleted Partner MISP.');
    await row.waitFor({ state: 'detached' });
  });

  it('reads a connection test and a run history in the shapes the sync engine answers', async () => {
    // A passing connection test and a run with refusals need a live remote (test/api/sync-client.test.ts
    // has one); here their answers, in the shapes those routes answer, are given in the browser.
    const orgs = await (await fetch(`${base}/organisations/index/scope:all`, { headers: { Authorization: adminKey, Accept: 'application/json' } })).json() as Array<{ Organisation: { id: string; name: string } }>;
    const remote = orgs.find((o) => o.Organisation.name === 'Remote Org')!.Organisation.id;
    const made = await fetch(`${base}/servers/add`, {
      method: 'POST', headers: { Authorization: adminKey, Accept: 'application/json', 'Content-Type': 'application/json' },
      body: JSON.stringify({ Server: { name: 'Sister Cairn', url: 'https://cairn.sister.example', remote_org_id: remote, authkey: REMOTE_KEY, pull: true } }),
    });
    const id = ((await made.json()) as { Server: { id: string } }).Server.id;
    const runs = { runs: [
      { id: 2, server_id: Number(id), kind: 'push', scope: 'incremental', status: 'failed', started: '2026-12-07T10:05:00Z', finished: '2026-12-07T10:05:02Z',
        pulled: 0, pushed: 0, refused: 0, error: 'The remote answered 403: Authentication failed.', refusals: [], sightings: 0, proposals: 0, clusters: 0, analyst_data: 0 },
      { id: 1, server_id: Number(id), kind: 'pull', scope: 'full', status: 'ok', started: '2026-12-07T10:00:00Z', finished: '2026-12-07T10:00:09Z',
        pulled: 12, pushed: 0, refused: 1, error: null, refusals: [{ event: 'e2ef0000-0000-4000-8000-0000000000ff', reason: 'blocked by the pull rules' }],
        sightings: 3, proposals: 0, clusters: 2, analyst_data: 1 },
    ] };
    await page.route(`**/servers/runs/${id}`, (route) => route.fulfill({ json: runs }));
    await page.route(`**/servers/testConnection/${id}`, (route) => route.fulfill({
      json: { status: 1, local_version: '2.5.1', version: '2.5.1', mismatch: false, newer: false, post: 1, uuid: 'e2ef0000-0000-4000-8000-0000000000ee' },
    }));
    try {
      await page.reload();
      const row = page.locator('tr[data-server="Sister Cairn"]');
      await row.waitFor();
      await page.getByRole('button', { name: 'Test connection to Sister Cairn' }).click();
      await row.locator('.connection-result', { hasText: 'OK; remote 2.5.1, local 2.5.1; POST test: Received sent package' }).waitFor();
      await page.getByRole('button', { name: 'History of Sister Cairn' }).click();
      const lines = page.locator('.run-history tbody tr');
      await lines.nth(1).waitFor();
      assert.match(await lines.nth(0).textContent() ?? '', /2026-12-07 10:05:00.*push.*incremental.*failed.*Authentication failed/);
      assert.match(await lines.nth(1).textContent() ?? '', /pull.*full.*also 3 sightings, 2 clusters, 1 analyst data.*ok.*12.*0.*1.*e2ef0000-0000-4000-8000-0000000000ff.*blocked by the pull rules/);
      assert.doesNotMatch(await lines.nth(0).textContent() ?? '', /also/, 'a run that moved nothing else says nothing more');
      await shot('admin-server-runs');
    } finally {
      await page.unroute(`**/servers/runs/${id}`);
      await page.unroute(`**/servers/testConnection/${id}`);
    }
    assert.deepEqual(pageErrors, [], 'no script error in the page');
  });
});
