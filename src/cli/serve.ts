import { existsSync, readFileSync, statSync } from 'node:fs';
import { delimiter, resolve } from 'node:path';
import { buildServer } from '../api/server.js';
import { API_KEY } from '../access/api-keys.js';
import { passwordProblem } from '../access/passwords.js';
import { openStore, storeConfigFromEnv } from '../store/db/database.js';
import { bootstrapInstance } from '../store/access/users.js';
import { CliError } from './context.js';

export interface ServeOptions {
  host?: string;
  port?: string;
  cert?: string;
  key?: string;
  log?: boolean;
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

  const store = await openStore(storeConfigFromEnv());
  const boot = await bootstrapInstance(store, { adminKey, adminPassword, orgName: process.env.CAIRN_ORG_NAME?.trim() || undefined });
  if (boot.admin) {
    process.stderr.write(`first start: made the organisation "${boot.hostOrganisation.name}" and the site admin ${boot.admin.email}\n`);
    if (!adminKey) process.stderr.write(`the admin's API key, shown this once: ${boot.admin.key}\n`);
    if (!adminPassword) process.stderr.write(`the admin's password for the web interface, shown this once: ${boot.admin.password}\n`);
  }
  const idle = process.env.CAIRN_SESSION_IDLE_MINUTES;
  if (idle !== undefined && !/^[1-9]\d*$/.test(idle)) throw new CliError(`CAIRN_SESSION_IDLE_MINUTES must be a whole number of minutes, not "${idle}"`);
  const libraryDirs = libraryDirsFromEnv(process.env.CAIRN_LIBRARIES);
  const schedule = process.env.CAIRN_FEED_SCHEDULE_SECONDS ?? '60';
  if (!/^\d+$/.test(schedule)) throw new CliError(`CAIRN_FEED_SCHEDULE_SECONDS must be a whole number of seconds (0: no scheduled feed fetches), not "${schedule}"`);
  const app = await buildServer(store, {
    ...(Number(schedule) > 0 ? { feedScheduleMs: Number(schedule) * 1000 } : {}),
    log: options.log ?? false, ...(https ? { https } : {}), ...(idle ? { sessionIdleMinutes: Number(idle) } : {}), libraryDirs,
  });
  const address = await app.listen({ host, port: Number(portText) });
  process.stderr.write(`cairn: serving MISP's REST API on ${address} (store: ${store.location})\n`);
  process.stderr.write(`cairn: the web interface is at ${address}/ (TAXII 2.1 at ${address}/taxii2/)\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await app.close();
  await store.close();
  return 0;
}
