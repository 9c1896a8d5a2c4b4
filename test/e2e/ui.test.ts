import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, openPage, SHOTS } from '../helpers/browser.js';
import { buildServer } from '../../src/api/server.js';
import { WEB_DIST } from '../../src/api/web-ui.js';
import { readInputs } from '../../src/formats/input.js';
import { importEvents } from '../../src/services/import/bulk.js';
import { readLibraries } from '../../src/libraries/directory.js';
import { saveLibraries } from '../../src/store/libraries/load.js';
import { openStore, type Store } from '../../src/store/db/database.js';
import { addOrganisation } from '../../src/store/access/organisations.js';
import { addUser, bootstrapInstance, setPassword } from '../../src/store/access/users.js';
import { REAL_DATA_SKIP, sharedPath } from '../helpers/shared-data.js';

/**
 * The web interface end to end: a real server over the embedded store, driven by Debian's Chromium
 * through playwright-core. Screenshots of each main page are left in test-output/screenshots.
 */
const ADMIN_PASSWORD = 'correct horse battery staple';
const BOB_PASSWORD = 'bob has a long password';
const TA505 = '6021536f-a808-4b9c-8136-d7460aba047c';
const TA505_OTHER = '5eec7d77-302c-45b8-ade6-c3d20aba047c';
const XSS = '<img src=x onerror=alert(1)>';

// It imports the real ANSSI feed and checks its correlations: a suite of the real-data tier.
describe('web interface', { skip: process.env.CAIRN_TEST_SKIP_BROWSER === '1' ? 'CAIRN_TEST_SKIP_BROWSER=1' : REAL_DATA_SKIP }, () => {
  let store: Store;
  let dir: string;
  let base: string;
  let browser: Browser;
  let page: Page;
  let close: () => Promise<void>;
  const dialogs: string[] = [];
  /** Script errors in the page: none is expected, and each is shown when a step fails. */
  const pageErrors: string[] = [];

  before(async () => {
    assert.ok(existsSync(join(WEB_DIST, 'index.html')), 'the interface is built (npm run build:web)');
    assert.ok(existsSync(CHROMIUM), `Chromium at ${CHROMIUM} (apt-get install chromium)`);
    dir = mkdtempSync(join(tmpdir(), 'cairn-e2e-'));
    store = await openStore({ sqlitePath: join(dir, 'cairn.db') });
    const boot = await bootstrapInstance(store, { adminPassword: ADMIN_PASSWORD });
    const host = boot.hostOrganisation;
    // The feed but one event, which the interface imports.
    const feed = sharedPath('data', 'feeds', 'MISP-ANSSI');
    const files = readdirSync(feed).filter((f) => /^[0-9a-f-]{36}\.json$/.test(f) && !f.startsWith(TA505_OTHER)).map((f) => join(feed, f));
    await importEvents(store, readInputs(files));
    const objects = readLibraries(sharedPath('data', 'misp', 'misp-objects'));
    await saveLibraries(store, { ...objects, templates: objects.templates.filter((t) => t.name === 'domain-ip') });
    const orgB = await addOrganisation(store, 'Org B');
    const bob = await addUser(store, 'bob@b.test', orgB.id, 'User');
    assert.ok(bob.ok);
    await setPassword(store, bob.user.id, BOB_PASSWORD);
    const own = { name: host.name, uuid: host.uuid };
    const events = [
      { uuid: 'e2e00000-0000-4000-8000-000000000001', info: 'Host organisation only', distribution: '0', date: '2026-11-01', timestamp: '1790000000',
        Orgc: own, Org: own, Attribute: [{ type: 'domain', value: 'only-the-host.example', category: 'Network activity', to_ids: true }] },
      { uuid: 'e2e00000-0000-4000-8000-000000000002', info: XSS, distribution: '3', date: '2026-11-02', timestamp: '1790000000',
        Orgc: own, Org: own, Attribute: [
          { type: 'text', value: 'javascript:alert(1)', category: 'External analysis', comment: '<script>alert(2)</script>' },
          { uuid: 'e2e00000-0000-4000-8000-0000000000a2', type: 'text', value: '"><svg onload=alert(3)>', category: 'Other',
            Opinion: [{ uuid: 'e2e00000-0000-4000-8000-0000000000b2', opinion: 30, comment: 'doubtful <b>bold</b>', authors: 'analyst@host.test', distribution: 1 }] },
        ],
        EventReport: [{ uuid: 'e2e00000-0000-4000-8000-0000000000c1', name: 'Write-up', content: '# Findings\n<script>alert(4)</script> was seen', distribution: 5 }],
        Note: [
          { uuid: 'e2e00000-0000-4000-8000-0000000000b1', note: 'Seen in <i>phishing</i> mails', authors: 'analyst@host.test', distribution: 1 },
          { uuid: 'e2e00000-0000-4000-8000-0000000000b3', note: 'Host organisation only note', authors: 'analyst@host.test', distribution: 0 },
        ] },
    ];
    await importEvents(store, (async function* () {
      for (const e of events) yield { source: e.info, json: { Event: e } };
    })());
    const app = await buildServer(store);
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    close = async () => {
      await app.close();
      await store.close();
    };
    ({ browser, page } = await openPage(pageErrors));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
  });

  after(async () => {
    await browser?.close();
    await close?.();
    rmSync(dir, { recursive: true, force: true });
  });

  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  const signIn = async (email: string, password: string) => {
    await page.goto(`${base}/`);
    await page.getByLabel('E-mail address').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  };

  it('refuses a wrong password, then signs the admin in to a dashboard of what he may see', async () => {
    const res = await page.goto(`${base}/`);
    assert.match(res?.headers()['content-security-policy'] ?? '', /script-src 'self'/);
    await shot('sign-in');
    await signIn('admin@admin.test', 'not the password at all');
    await page.getByRole('alert').getByText('Wrong e-mail address or password.').waitFor();
    await signIn('admin@admin.test', ADMIN_PASSWORD);
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    const events = await page.locator('.figure', { hasText: 'Events' }).locator('.figure-value').textContent();
    assert.equal(events, '14', '12 events of the feed and two of the host');
    await page.getByText('Latest events').waitFor();
    await page.locator('svg[aria-label="Attributes by type"] rect').first().waitFor();
    await shot('dashboard');
  });

  it('imports a real feed file after showing what it will create and what it leaves out', async () => {
    await page.getByRole('link', { name: 'Import' }).click();
    await page.getByLabel('File').setInputFiles(sharedPath('data', 'feeds', 'MISP-ANSSI', `${TA505_OTHER}.json`));
    const row = page.locator('.import-plan tbody tr', { hasText: 'TA505' });
    await row.waitFor();
    assert.match(await row.textContent() ?? '', /new event/);
    assert.equal(await page.locator('.import-plan tbody tr').count(), 1);
    await shot('import-preview');
    await page.getByRole('button', { name: 'Import 1 event' }).click();
    await page.getByRole('status').getByText('1 created, 0 updated, 0 refused.').waitFor();
    await page.getByLabel('File').setInputFiles({ name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from('{"Event": ') });
    await page.getByRole('alert').getByText(/broken\.json is not JSON/).waitFor();
    await page.getByLabel('File').setInputFiles(sharedPath('data', 'feeds', 'MISP-ANSSI', `${TA505_OTHER}.json`));
    await page.locator('.import-plan tbody tr', { hasText: 'unchanged' }).waitFor();
    assert.ok(await page.getByRole('button', { name: 'Import 0 events' }).isDisabled(), 'nothing left to import');
  });

  it('lists events with filters and sorting, and opens one as its report reads, with its related events', async () => {
    await page.getByRole('link', { name: 'Events', exact: true }).click();
    await page.getByLabel('Search').fill('TA505');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.locator('.events-table tbody tr').first().waitFor();
    const titles = await page.locator('.events-table tbody td:nth-child(4)').allTextContents();
    assert.ok(titles.length >= 2 && titles.every((t) => /TA505/i.test(t)), titles.join(' | '));
    await shot('events');
    await page.goto(`${base}/#/events/${TA505}`);
    await page.getByRole('heading', { name: 'Key Intelligence' }).waitFor();
    await page.getByRole('heading', { name: 'Network activity' }).waitFor();
    const related = page.locator('.event-side .related li', { hasText: 'TA505' });
    await related.first().waitFor();
    assert.match(await related.first().textContent() ?? '', /26 shared/);
    await shot('event');
    // The list draws only the rows in view (305 attributes here, not 305 rows in the page): scroll to the shared domain.
    assert.ok(await page.locator('.attribute-row').count() < 100, 'a virtualised list');
    const shared = page.locator('.attribute-row', { hasText: 'clients-share.com' });
    for (let i = 0; i < 40 && (await shared.count()) === 0; i++) await page.locator('.virtual').evaluate((el) => { el.scrollTop += 400; });
    await shared.locator('.badge.corr').waitFor();
    await page.locator('.event-side .related a').first().click();
    await page.waitForURL(new RegExp(TA505_OTHER + '|#/events/\\d+'));
  });

  it('draws the correlation graph around an event, and opens an event from it', async () => {
    await page.goto(`${base}/#/events/${TA505}`);
    await page.getByRole('link', { name: 'Graph' }).click();
    await page.getByRole('heading', { name: 'Correlation graph' }).waitFor();
    await page.locator('.event-node.depth-1').first().waitFor();
    assert.ok(await page.locator('.value-node').count() > 0, 'shared values as nodes');
    assert.match(await page.locator('.event-node.depth-1 title').first().textContent() ?? '', /TA505/);
    await shot('graph');
    await page.locator('.event-node.depth-1').first().click();
    await page.waitForURL(new RegExp(`#/events/${TA505_OTHER}$`));
    await page.getByRole('heading', { name: 'Key Intelligence' }).waitFor();
  });

  it('searches a value and offers every export format', async () => {
    await page.getByRole('link', { name: 'Search' }).click();
    await page.getByLabel('Value', { exact: true }).fill('only-the-host.example');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('heading', { name: '1 attribute' }).waitFor();
    assert.equal(await page.locator('.results tbody tr').count(), 1);
    for (const format of ['csv', 'suricata', 'stix2']) await page.getByRole('button', { name: format, exact: true }).waitFor();
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'csv', exact: true }).click();
    assert.match((await download).suggestedFilename(), /\.csv$/);
    await shot('search');
  });

  it('creates an event, adds attributes, tags and publishes it', async () => {
    await page.getByRole('link', { name: 'New event' }).click();
    await page.getByLabel('Title').fill('Phishing wave against the sector');
    await page.getByRole('button', { name: 'Create event' }).click();
    await page.getByRole('heading', { name: 'Phishing wave against the sector' }).waitFor();
    await page.getByRole('button', { name: 'Add attribute' }).click();
    await page.getByLabel('Value', { exact: true }).fill('login-portal.example');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('status').getByText('Added domain login-portal.example.').waitFor();
    await page.locator('.attribute-form select[name="type"]').selectOption('ip-dst');
    await page.getByLabel('Value', { exact: true }).fill('203.0.113.50');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.locator('.attribute-row', { hasText: '203.0.113.50' }).waitFor();
    await page.getByLabel('Value', { exact: true }).fill('not an address');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.locator('.attribute-form .error').waitFor();
    await page.getByLabel('New tag').fill('tlp:green');
    await page.getByLabel('New tag').press('Enter');
    await page.locator('.facts .tag', { hasText: 'tlp:green' }).waitFor();
    await page.getByRole('button', { name: 'Edit ip-dst' }).or(page.getByRole('button', { name: 'Edit 203.0.113.50' })).first().click();
    const change = page.getByRole('form', { name: 'Change attribute' });
    await change.getByLabel('Comment', { exact: true }).fill('the phishing kit\'s server');
    await change.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').getByText('Changed ip-dst 203.0.113.50.').waitFor();
    await page.locator('.attribute-row', { hasText: "the phishing kit's server" }).waitFor();
    await change.getByLabel('Tag for the attribute').fill('kill-chain:delivery');
    await change.getByLabel('Tag for the attribute').press('Enter');
    await page.locator('.attribute-row', { hasText: '203.0.113.50' }).locator('.tag', { hasText: 'kill-chain:delivery' }).waitFor();
    await page.getByRole('button', { name: 'Add object' }).click();
    const object = page.getByRole('form', { name: 'Add object' });
    await object.getByLabel('Template').selectOption('domain-ip');
    await object.getByLabel('domain', { exact: true }).fill('portal-login.example');
    await object.getByLabel('ip', { exact: true }).fill('203.0.113.51');
    await object.getByRole('button', { name: 'Add object' }).click();
    await page.getByRole('status').getByText('Added a domain-ip object.').waitFor();
    await page.locator('.object', { hasText: 'portal-login.example' }).waitFor();
    await page.getByRole('button', { name: 'Edit object domain-ip' }).click();
    const objectEdit = page.getByRole('form', { name: 'Change object' });
    await objectEdit.getByLabel('ip', { exact: true }).fill('203.0.113.52');
    await objectEdit.getByRole('button', { name: 'Save object' }).click();
    await page.getByRole('status').getByText('Changed the domain-ip object.').waitFor();
    await page.locator('.object td', { hasText: '203.0.113.52' }).waitFor();
    assert.equal(await page.locator('.object td', { hasText: '203.0.113.51' }).count(), 0, 'the changed value replaced the old one');
    await page.getByRole('button', { name: 'Edit event' }).click();
    await page.getByLabel('Title').fill('Phishing wave against the energy sector');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: 'Phishing wave against the energy sector' }).waitFor();
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByRole('status').getByText('Published.').waitFor();
    await page.locator('.facts dd', { hasText: 'Published' }).waitFor();
    await shot('new-event');
  });

  it('shows values, comments and titles as text, never as markup', async () => {
    await page.goto(`${base}/#/events/e2e00000-0000-4000-8000-000000000002`);
    await page.getByRole('heading', { name: XSS }).waitFor();
    await page.locator('.attribute-row', { hasText: 'javascript:alert(1)' }).waitFor();
    assert.equal(await page.locator('main img').count(), 0, 'no image made from the title');
    assert.equal(await page.locator('main svg[onload]').count(), 0);
    assert.equal(await page.locator('main script').count(), 0);
    assert.equal(await page.locator('a[href^="javascript:"]').count(), 0, 'a javascript: value is no link');
    // The event's report and what analysts said about it are shown, as text.
    await page.locator('.event-report', { hasText: '<script>alert(4)</script> was seen' }).waitFor();
    assert.equal(await page.locator('.event-reports h3', { hasText: 'Write-up' }).count(), 1);
    await page.locator('.analyst-item', { hasText: 'Seen in <i>phishing</i> mails' }).waitFor();
    assert.match(await page.locator('.analyst-item', { hasText: 'opinion 30/100' }).textContent() ?? '', /doubtful <b>bold<\/b>.*on text "><svg onload=alert\(3\)>/);
    assert.equal(await page.locator('.analyst-item', { hasText: 'Host organisation only note' }).count(), 1, 'the host sees its own note');
    assert.equal(await page.locator('main i, main b').count(), 0, 'no markup made from a note');
    await shot('event-reports');
    await page.goto(`${base}/#/events`);
    await page.locator('.events-table tbody tr', { hasText: XSS }).waitFor();
    await page.waitForTimeout(200);
    assert.deepEqual(dialogs, [], 'no script ran');
    await shot('xss');
  });

  it('lets a user make and revoke his own API keys', async () => {
    await page.getByRole('link', { name: 'admin@admin.test' }).click();
    await page.getByLabel('What the key is for').fill('e2e');
    await page.getByRole('button', { name: 'Make a key' }).click();
    const key = await page.locator('code.secret').textContent();
    assert.match(key ?? '', /^[A-Za-z0-9]{40}$/);
    const row = page.locator('tr', { hasText: 'e2e' });
    await row.waitFor();
    await shot('profile');
    await row.getByRole('button', { name: 'revoke' }).click();
    await page.getByRole('status').getByText('Key revoked.').waitFor();
    // The list is read again after the revocation is announced: wait for it rather than race it.
    await page.locator('tr', { hasText: 'e2e' }).waitFor({ state: 'detached' });
    assert.equal(await page.locator('tr', { hasText: 'e2e' }).count(), 0);
  });

  it('administers users, organisations, taxonomies and correlation exclusions, and shows the audit log', async () => {
    await page.getByRole('link', { name: 'Administration' }).click();
    await page.getByRole('heading', { name: 'Administration' }).waitFor();
    await page.getByLabel("New user's e-mail").fill('carol@cairn.test');
    await page.getByLabel("New user's password").fill('carol has a long password');
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.getByRole('status').getByText('Added carol@cairn.test.').waitFor();
    await page.locator('tr', { hasText: 'carol@cairn.test' }).waitFor();
    await shot('admin-users');
    await page.getByRole('link', { name: 'Roles' }).click();
    await page.getByLabel('Read Only: perm_tagger').click();
    await page.getByRole('status').getByText('Read Only: perm_tagger on.').waitFor();
    await page.getByLabel('Read Only: perm_tagger').click();
    await page.getByRole('status').getByText('Read Only: perm_tagger off.').waitFor();
    await page.getByRole('link', { name: 'Organisations' }).click();
    await page.getByLabel('Organisation name').fill('Org C');
    await page.getByRole('button', { name: 'Add organisation' }).click();
    await page.locator('tr', { hasText: 'Org C' }).waitFor();
    await page.getByRole('link', { name: 'Taxonomies' }).click();
    // The box shows the stored state: it changes once the server has changed it.
    await page.getByLabel('Enable PAP').click();
    await page.getByRole('status').getByText('PAP disabled.').waitFor();
    assert.equal(await page.getByLabel('Enable PAP').isChecked(), false);
    await page.getByLabel('Enable PAP').click();
    await page.getByRole('status').getByText('PAP enabled.').waitFor();
    await page.getByRole('link', { name: 'Correlation exclusions' }).click();
    await page.getByLabel('Value to exclude').fill('%.windowsupdate.com');
    await page.getByRole('button', { name: 'Exclude' }).click();
    await page.locator('tr', { hasText: '%.windowsupdate.com' }).waitFor();
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.locator('tr', { hasText: 'carol' }).or(page.locator('tr', { hasText: 'User' })).first().waitFor();
    await shot('admin-audit');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn('carol@cairn.test', 'carol has a long password');
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Administration' }).count(), 0, 'a User administers nothing');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn('admin@admin.test', ADMIN_PASSWORD);
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  });

  it('never shows a user of another organisation an event of distribution 0, anywhere', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await signIn('bob@b.test', BOB_PASSWORD);
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    assert.equal(await page.locator('.figure', { hasText: 'Events' }).locator('.figure-value').textContent(), '14', 'all but the host\'s own');
    assert.equal(await page.getByText('Host organisation only').count(), 0);
    await page.getByRole('link', { name: 'Events', exact: true }).click();
    await page.locator('.events-table tbody tr').first().waitFor();
    assert.equal(await page.getByText('Host organisation only').count(), 0);
    await page.getByRole('link', { name: 'Search' }).click();
    await page.getByLabel('Value', { exact: true }).fill('only-the-host.example');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('heading', { name: '0 attributes' }).waitFor();
    await page.goto(`${base}/#/events/e2e00000-0000-4000-8000-000000000001`);
    await page.locator('.error', { hasText: 'Invalid event' }).waitFor();
    assert.equal(await page.getByText('only-the-host.example').count(), 0);
    // On an event shared with all, a note the host kept to itself is not shown; the others are.
    await page.goto(`${base}/#/events/e2e00000-0000-4000-8000-000000000002`);
    await page.locator('.analyst-item', { hasText: 'Seen in <i>phishing</i> mails' }).waitFor();
    assert.equal(await page.getByText('Host organisation only note').count(), 0);
    await shot('other-organisation');
  });
});
