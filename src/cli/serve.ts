import cluster from 'node:cluster';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { delimiter, resolve } from 'node:path';
import { buildServer } from '../api/server.js';
import { API_KEY } from '../access/api-keys.js';
import { passwordProblem } from '../access/passwords.js';
import { openStore, pgPoolSizeFor, storeConfigFromEnv, type Store } from '../store/db/database.js';
import { bootstrapInstance } from '../store/access/users.js';
import { CliError } from './context.js';
import { shareWriteTurns } from '../store/db/sqlite-connections.js';
import { coordinateWriteTurns, workerWriteTurns } from './write-turns.js';

export interface ServeOptions {
  host?: string;
  port?: string;
  cert?: string;
  key?: string;
  log?: boolean;
  workers?: string;
}

/** `--workers N` (or CAIRN_WORKERS): server processes on the one port; by default one per core. */
export function workerCount(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return availableParallelism();
  const text = value.trim();
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 256) throw new CliError(`--workers must be a whole number from 1 to 256, not "${value}"`);
  return Number(text);
}

/**
 * The folders CAIRN_LIBRARIES names (separated as PATH is), which the libraries' `update` actions reload
 * from: each a library checkout (misp-galaxy…) or a folder of them. A folder that is not there is refused
 * at start rather than at the first update.
 */
export function libraryDirsFromEnv(value: string | undefined): string[] {
  const dirs = (value ?? '').split(delimiter).map((d) => d.trim()).filter((d) => d !== '').map((d) => resolve(d));
  const missing = dirs.filter((d) => !existsSync(d) || !statSync(d).isDirectory());
  if (missing.length) throw new CliError(`CAIRN_LIBRARIES: ${missing.join(', ')} ${missing.length > 1 ? 'are not folders' : 'is not a folder'}`);
  return dirs;
}

/**
 * `cairn serve`: MISP's REST API on 127.0.0.1:8080 (or --host/--port, CAIRN_HOST/CAIRN_PORT), HTTPS when
 * given a certificate and key. On first start it makes the host organisation and an admin, and prints
 * the admin's API key once (CAIRN_ADMIN_KEY chooses it). Runs until interrupted.
 */
export async function serveCommand(options: ServeOptions): Promise<number> {
  if (!cluster.isWorker) return serve(options);
  try {
    return await serve(options);
  } finally {
    // A server process of --workers keeps a channel to its primary open, which would keep it alive.
    process.disconnect?.();
  }
}

async function serve(options: ServeOptions): Promise<number> {
  const host = options.host ?? process.env.CAIRN_HOST ?? '127.0.0.1';
  const portText = options.port ?? process.env.CAIRN_PORT ?? '8080';
  if (!/^\d+$/.test(portText) || Number(portText) > 65535) throw new CliError(`the port must be a number from 0 to 65535, not "${portText}"`);
  if (!options.cert !== !options.key) throw new CliError('HTTPS needs both --cert and --key');
  const adminKey = process.env.CAIRN_ADMIN_KEY?.trim() || undefined;
  if (adminKey && !API_KEY.test(adminKey)) throw new CliError('CAIRN_ADMIN_KEY must be 40 letters and digits');
  const adminPassword = process.env.CAIRN_ADMIN_PASSWORD || undefined;
  const weak = adminPassword === undefined ? undefined : passwordProblem(adminPassword);
  if (weak) throw new CliError(`CAIRN_ADMIN_PASSWORD: ${weak}`);
  const https = options.cert && options.key ? { cert: readFileSync(options.cert), key: readFileSync(options.key) } : undefined;

  const workers = workerCount(options.workers ?? process.env.CAIRN_WORKERS);
  // Two threads per process by default: one can be busy with long exports while the other answers views.
  const threadsText = process.env.CAIRN_THREADS?.trim() || '2';
  if (!/^\d+$/.test(threadsText) || Number(threadsText) > 64) throw new CliError(`CAIRN_THREADS must be a whole number from 0 to 64, not "${threadsText}"`);
  const threads = Number(threadsText);
  const idle = process.env.CAIRN_SESSION_IDLE_MINUTES;
  if (idle !== undefined && !/^[1-9]\d*$/.test(idle)) throw new CliError(`CAIRN_SESSION_IDLE_MINUTES must be a whole number of minutes, not "${idle}"`);
  const libraryDirs = libraryDirsFromEnv(process.env.CAIRN_LIBRARIES);
  const config = storeConfigFromEnv();
  config.pgPoolSize ??= pgPoolSizeFor(workers);
  // A process of several serves what the first one set up: the schema is current and the admin made.
  // The first start is made under the store's lock: servers started at once on an empty store take turns.
  const firstStart = async (opened: Store) => {
    const boot = await bootstrapInstance(opened, { adminKey, adminPassword, orgName: process.env.CAIRN_ORG_NAME?.trim() || undefined });
    if (boot.admin) {
      process.stderr.write(`first start: made the organisation "${boot.hostOrganisation.name}" and the site admin ${boot.admin.email}\n`);
      if (!adminKey) process.stderr.write(`the admin's API key, shown this once: ${boot.admin.key}\n`);
      if (!adminPassword) process.stderr.write(`the admin's password for the web interface, shown this once: ${boot.admin.password}\n`);
    }
  };
  // The processes of one instance take turns at the embedded store's writer lock instead of retrying for it.
  if (cluster.isWorker) shareWriteTurns(workerWriteTurns());
  const store = cluster.isWorker ? await openStore({ ...config, migrate: false }) : await openStore(config, firstStart);
  if (cluster.isPrimary && workers > 1) {
    await store.close();
    return runWorkers(workers, store.location, https !== undefined);
  }
  const schedule = process.env.CAIRN_FEED_SCHEDULE_SECONDS ?? '60';
  if (!/^\d+$/.test(schedule)) throw new CliError(`CAIRN_FEED_SCHEDULE_SECONDS must be a whole number of seconds (0: no scheduled feed fetches), not "${schedule}"`);
  const syncSchedule = process.env.CAIRN_SYNC_SCHEDULE_SECONDS ?? '60';
  if (!/^\d+$/.test(syncSchedule)) throw new CliError(`CAIRN_SYNC_SCHEDULE_SECONDS must be a whole number of seconds (0: no scheduled pulls and pushes), not "${syncSchedule}"`);
  const app = await buildServer(store, {
    ...(Number(schedule) > 0 ? { feedScheduleMs: Number(schedule) * 1000 } : {}),
    ...(Number(syncSchedule) > 0 ? { syncScheduleMs: Number(syncSchedule) * 1000 } : {}),
    log: options.log ?? false, startThreads: true, offloadReads: true, exportThreads: threads, ...(https ? { https } : {}), ...(idle ? { sessionIdleMinutes: Number(idle) } : {}), libraryDirs,
  });
  const address = await app.listen({ host, port: Number(portText) });
  // A worker's primary says where the server listens, once for all of them.
  if (cluster.isPrimary) announce(address, store.location);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await app.close();
  await store.close();
  return 0;
}

function announce(address: string, location: string, workers = 1): void {
  process.stderr.write(`cairn: serving MISP's REST API on ${address} (store: ${location}${workers > 1 ? `; ${workers} processes` : ''})\n`);
  process.stderr.write(`cairn: the web interface is at ${address}/ (TAXII 2.1 at ${address}/taxii2/)\n`);
}

/**
 * The primary of `--workers N`: N processes serve the one port (node:cluster hands out the connections),
 * each with its own connections to the store; what a process caches it checks against the store's
 * generation counters, and who asks is read from the store for every request, so the processes answer
 * as one server. One that stops is replaced; on SIGINT or SIGTERM every one finishes and the primary ends.
 */
async function runWorkers(count: number, location: string, secure: boolean): Promise<number> {
  let stopping = false;
  let listening = 0;
  let failed = false;
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  cluster.on('listening', (_worker, address) => {
    if (++listening !== count) return;
    const host = address.address?.includes(':') ? `[${address.address}]` : address.address ?? '127.0.0.1';
    announce(`${secure ? 'https' : 'http'}://${host}:${address.port}`, location, count);
  });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    // One that stops before all listen (the port is taken, the store cannot be opened) would stop again.
    if (listening < count) {
      failed = true;
      process.stderr.write(`cairn: a server process could not start (${signal ?? `exit ${code}`})\n`);
      return stop();
    }
    process.stderr.write(`cairn: server process ${worker.process.pid} stopped (${signal ?? `exit ${code}`}); starting another\n`);
    cluster.fork();
  });
  coordinateWriteTurns();
  for (let i = 0; i < count; i++) cluster.fork();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await stopped;
  stopping = true;
  await Promise.all(Object.values(cluster.workers ?? {}).map((w) => new Promise<void>((resolve) => {
    if (!w || w.isDead()) return resolve();
    w.once('exit', () => resolve());
    w.process.kill('SIGTERM');
  })));
  return failed ? 1 : 0;
}
