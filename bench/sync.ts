/**
 * `tsx bench/sync.ts [--events 1000] [--attributes 100] [--pg URL]`: a Cairn pulling from a second Cairn over
 * loopback, end to end. The remote (`cairn serve` in its own process, on an embedded store of EVENTS
 * published events of ATTRIBUTES attributes each, with a sync user for the puller's organisation) is
 * pulled in full by a fresh store in this process (getVersion, the index, each event with events/view,
 * the import pipeline, the write queue), then pulled incrementally with nothing changed (getVersion, the
 * index, a 304). Prints one JSON line: attributes/s of the full pull, seconds of the incremental one.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openStore } from '../src/store/db/database.js';
import { benchPostgresUrl } from './bench-store.js';
import { processTreeCpuMs } from './harness.js';
import { addOrganisation } from '../src/store/access/organisations.js';
import { addApiKey, addUser, bootstrapInstance } from '../src/store/access/users.js';
import { addServer } from '../src/store/servers.js';
import { importEvents } from '../src/services/import/bulk.js';
import { SyncRunner } from '../src/services/sync/runner.js';
import { WriteQueue } from '../src/services/write-queue.js';
import type { InputItem } from '../src/formats/input.js';

const { values } = parseArgs({ options: { events: { type: 'string', default: '1000' }, attributes: { type: 'string', default: '100' }, pg: { type: 'string' } } });
// PostgreSQL for the pulling Cairn: --pg, or DATABASE_URL as the other benchmarks (bench-store.ts).
const pg = values.pg ?? benchPostgresUrl();
const EVENTS = Number(values.events);
const ATTRIBUTES = Number(values.attributes);
const ROOT = join(import.meta.dirname, '..');
mkdirSync('bench/out', { recursive: true });
const remoteDb = `bench/out/sync-remote-${EVENTS}x${ATTRIBUTES}.db`;
const localDb = 'bench/out/sync-local.db';
for (const f of [remoteDb, localDb]) for (const s of ['', '-wal', '-shm']) rmSync(`${f}${s}`, { force: true });

// The remote: its host organisation, the puller's organisation (same uuid on both sides) and its sync user, the events.
const pullerOrg = { uuid: randomUUID(), name: 'Puller' };
const adminKey = `${'S'.repeat(20)}${randomBytes(10).toString('hex')}`;
let syncKey: string;
{
  const remote = await openStore({ sqlitePath: remoteDb });
  await bootstrapInstance(remote, { orgName: 'Remote', adminKey });
  const org = await addOrganisation(remote, pullerOrg.name, pullerOrg.uuid);
  const sync = await addUser(remote, 'sync@puller.test', org.id, 'Sync user');
  if (!sync.ok) throw new Error('no sync user');
  syncKey = await addApiKey(remote, sync.user.id);
  const orgc = { uuid: randomUUID(), name: 'CERT-Bench' };
  async function* docs(): AsyncGenerator<InputItem> {
    for (let e = 0; e < EVENTS; e++) {
      yield {
        source: `event-${e}`,
        json: {
          Event: {
            uuid: randomUUID(), info: `Bench event ${e}`, date: '2026-01-01', distribution: 1, published: true, timestamp: 1767225600 + e, threat_level_id: 2, analysis: 1, Orgc: orgc,
            Tag: [{ name: 'tlp:green' }],
            Attribute: Array.from({ length: ATTRIBUTES }, (_, k) => ({
              uuid: randomUUID(), type: k % 2 ? 'domain' : 'ip-dst', category: 'Network activity', to_ids: true, timestamp: 1767225600 + e,
              value: k % 2 ? `h${k}.e${e}.bench.example` : `10.${(e >> 8) & 255}.${e & 255}.${k}`,
            })),
          },
        },
      };
    }
  }
  await importEvents(remote, docs());
  await remote.close();
}

// BENCH_REMOTE_NODE_ARGS: node's options for the remote and its workers (`--cpu-prof --cpu-prof-dir=DIR` to profile it).
const remoteNodeArgs = (process.env.BENCH_REMOTE_NODE_ARGS ?? '').split(' ').filter(Boolean);
const child = spawn(process.execPath, [...remoteNodeArgs, '--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'serve', '--port', '0'], {
  cwd: ROOT, env: { ...process.env, CAIRN_DB: remoteDb, DATABASE_URL: '', CAIRN_ADMIN_KEY: adminKey, CAIRN_FEED_SCHEDULE_SECONDS: '0', CAIRN_SYNC_SCHEDULE_SECONDS: '0' },
});
const base = await new Promise<string>((resolve, reject) => {
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    const m = /serving MISP's REST API on (http:\/\/[^\s]+)/.exec(err);
    if (m) resolve(m[1]!);
  });
  child.on('exit', () => reject(new Error(`serve exited: ${err}`)));
});

const remoteCpuMs = () => processTreeCpuMs(child.pid!);

try {
  const local = pg ? await openStore({ databaseUrl: pg, pgSchema: `bench_sync_${randomBytes(4).toString('hex')}` }) : await openStore({ sqlitePath: localDb });
  const boot = await bootstrapInstance(local, { orgName: pullerOrg.name });
  const remoteOrg = await addOrganisation(local, 'Remote', randomUUID());
  const server = await addServer(local, {
    name: 'remote', url: base, authkey: syncKey, orgId: boot.hostOrganisation.id, remoteOrgId: remoteOrg.id, pullRules: '{}', pushRules: '{}', flags: { pull: true },
  });
  const writes = new WriteQueue(local);
  const runner = new SyncRunner(local, writes);
  const c0 = process.cpuUsage();
  const r0 = remoteCpuMs();
  const t0 = performance.now();
  const full = await runner.wait(await runner.start(server.id, 'pull', 'full'));
  const fullSeconds = (performance.now() - t0) / 1000;
  const c1 = process.cpuUsage(c0);
  const remoteMs = remoteCpuMs() - r0;
  const t1 = performance.now();
  const incremental = await runner.wait(await runner.start(server.id, 'pull', 'incremental'));
  const incrementalSeconds = (performance.now() - t1) / 1000;
  await runner.close();
  await local.close();
  if (full.status !== 'ok' || full.pulled !== EVENTS) throw new Error(`full pull: ${JSON.stringify(full).slice(0, 400)}`);
  console.log(JSON.stringify({
    bench: 'sync-pull', store: pg ? 'postgres' : 'sqlite', events: EVENTS, attributes: EVENTS * ATTRIBUTES,
    fullSeconds: Number(fullSeconds.toFixed(2)), attributesPerSecond: Math.round((EVENTS * ATTRIBUTES) / fullSeconds),
    // CPU seconds of the full pull: the machine may be shared, and wall time then says little.
    pullerCpuSeconds: Number(((c1.user + c1.system) / 1e6).toFixed(2)), remoteCpuSeconds: Number((remoteMs / 1000).toFixed(2)),
    incrementalSeconds: Number(incrementalSeconds.toFixed(3)), incrementalPulled: incremental.pulled,
    load_average: loadavg().map((l) => Number(l.toFixed(2))),
  }));
} finally {
  child.kill('SIGTERM');
}
