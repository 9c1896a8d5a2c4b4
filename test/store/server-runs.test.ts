import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { addOrganisation } from '../../src/store/access/organisations.js';
import type { Store } from '../../src/store/db/database.js';
import {
  claimScheduledSync, claimServerRun, insertServerRun, listServerRuns, releaseServerRun, saveServerRun,
} from '../../src/store/server-runs.js';
import { addServer, deleteServer, serverAuthkey } from '../../src/store/servers.js';
import { forEachDialect } from '../helpers/stores.js';

forEachDialect('server runs: one at a time per server, the schedule claimed once per interval, the history kept', (fixture) => {
  let store: Store;
  let serverId: number;
  before(async () => {
    store = await fixture.open();
    const org = await addOrganisation(store, 'Here');
    const remote = await addOrganisation(store, 'There');
    serverId = (await addServer(store, { name: 'there', url: 'https://there.example/', authkey: 'k'.repeat(40), orgId: org.id, remoteOrgId: remote.id, pullRules: '{}', pushRules: '{}' })).id;
  });
  after(() => fixture.cleanup());

  it('lets one claim of a server win until it is released or its lease lapses', async () => {
    assert.equal(await claimServerRun(store, serverId, 1000, 600), true);
    assert.equal(await claimServerRun(store, serverId, 1001, 600), false, 'a second process waits');
    await releaseServerRun(store, serverId, 999);
    assert.equal(await claimServerRun(store, serverId, 1002, 600), false, 'only the claim made then is released');
    await releaseServerRun(store, serverId, 1000);
    assert.equal(await claimServerRun(store, serverId, 1003, 600), true);
    assert.equal(await claimServerRun(store, serverId, 1003 + 600, 600), true, 'a claim past its lease is taken over');
  });

  it('claims a scheduled pull once per interval, whoever asks', async () => {
    assert.equal(await claimScheduledSync(store, serverId, 'pull', 5000, 300), true);
    assert.equal(await claimScheduledSync(store, serverId, 'pull', 5100, 300), false);
    assert.equal(await claimScheduledSync(store, serverId, 'push', 5100, 300), true, 'pull and push keep their own schedule');
    assert.equal(await claimScheduledSync(store, serverId, 'pull', 5300, 300), true);
  });

  it('keeps each run with its counts and refusals, newest first, and forgets them with the server', async () => {
    const first = await insertServerRun(store, serverId, 'pull', 'full', 100);
    await saveServerRun(store, first, { pulled: 3, pushed: 0, refused: 1, refusals: [{ event: 'e1', reason: 'not newer' }], sightings: 4, proposals: 5, clusters: 6, analystData: 7 }, { status: 'ok', finished: 110, error: null });
    const second = await insertServerRun(store, serverId, 'push', '42', 120);
    const runs = await listServerRuns(store, serverId);
    assert.deepEqual(runs.map((r) => [r.id, r.kind, r.scope, r.status]), [[second, 'push', '42', 'running'], [first, 'pull', 'full', 'ok']]);
    assert.deepEqual(runs[1]!.refusals, [{ event: 'e1', reason: 'not newer' }]);
    assert.equal(runs[1]!.finished, 110);
    assert.deepEqual([runs[1]!.sightings, runs[1]!.proposals, runs[1]!.clusters, runs[1]!.analystData], [4, 5, 6, 7]);
    assert.equal(await serverAuthkey(store, serverId), 'k'.repeat(40));
    await deleteServer(store, serverId);
    assert.deepEqual(await listServerRuns(store, serverId), []);
  });
});
