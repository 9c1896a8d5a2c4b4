import { findOrganisation, findOrganisationById, hostOrganisationId } from '../store/access/organisations.js';
import type { Store } from '../store/db/database.js';
import { listServerRuns, type ServerRun } from '../store/server-runs.js';
import { addServer, deleteServer, editServer, findServer, listServers, SERVER_FLAGS, type Server, type ServerFields, type ServerFlag } from '../store/servers.js';
import { ServiceError } from '../services/errors.js';
import { RemoteClient } from '../services/sync/client.js';
import { testConnection } from '../services/sync/connection.js';
import { SyncRunner, type FinishedRun } from '../services/sync/runner.js';
import {
  DEFAULT_PULL_RULES, DEFAULT_PUSH_RULES, serverAuthkeyProblem, serverIntervalProblem, serverRulesProblem, serverUrlProblem,
} from '../services/sync/server-config.js';
import { WriteQueue } from '../services/write-queue.js';
import { MISP_API_VERSION } from '../api/version.js';
import { CliError, withStore, writeOut } from './context.js';

export interface ServersOptions {
  url?: string;
  key?: string;
  remoteOrg?: string;
  name?: string;
  on?: string[];
  off?: string[];
  pullRules?: string;
  pushRules?: string;
  pullInterval?: string;
  pushInterval?: string;
  json?: boolean;
}

const flagsOf = (s: Server) => SERVER_FLAGS.filter((f) => s.flags[f]).join(',');
const line = (s: Server) => `${String(s.id).padStart(4)}  ${s.name}  ${s.url}  remote org ${s.remoteOrg.name}  [${flagsOf(s)}]`
  + `${s.pullInterval ? `  pull every ${s.pullInterval} min` : ''}${s.pushInterval ? `  push every ${s.pushInterval} min` : ''}`;
const runLine = (r: ServerRun | FinishedRun) => `run ${r.id}: ${r.kind} ${r.scope} ${r.status}: ${r.pulled} pulled, ${r.pushed} pushed, ${r.refused} refused`
  + `${r.sightings || r.proposals || r.clusters || r.analystData ? ` (also ${r.sightings} sightings, ${r.proposals} proposals, ${r.clusters} clusters, ${r.analystData} analyst data)` : ''}`
  + `${r.error ? `; error: ${r.error}` : ''}${r.refusals.length ? `\n${r.refusals.slice(0, 20).map((x) => `  ${x.event}: ${x.reason}`).join('\n')}` : ''}`;

function flagList(names: readonly string[] | undefined, option: string): ServerFlag[] {
  const out: ServerFlag[] = [];
  for (const n of (names ?? []).flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean)) {
    if (!(SERVER_FLAGS as readonly string[]).includes(n)) throw new CliError(`${option}: "${n}" is not one of MISP's server flags (${SERVER_FLAGS.join(', ')})`);
    out.push(n as ServerFlag);
  }
  return out;
}

function check(field: string, problem: string | undefined): void {
  if (problem) throw new CliError(`${field}: ${problem}`);
}

async function fieldsOf(store: Store, options: ServersOptions): Promise<ServerFields> {
  const fields: ServerFields = {};
  if (options.name !== undefined) fields.name = options.name.trim();
  if (options.url !== undefined) check('--url', serverUrlProblem(options.url)), (fields.url = options.url.trim());
  if (options.key !== undefined) check('--key', serverAuthkeyProblem(options.key)), (fields.authkey = options.key.trim());
  if (options.pullRules !== undefined) check('--pull-rules', serverRulesProblem(options.pullRules, 'pull')), (fields.pullRules = options.pullRules);
  if (options.pushRules !== undefined) check('--push-rules', serverRulesProblem(options.pushRules, 'push')), (fields.pushRules = options.pushRules);
  if (options.pullInterval !== undefined) check('--pull-interval', serverIntervalProblem(options.pullInterval)), (fields.pullInterval = Number(options.pullInterval));
  if (options.pushInterval !== undefined) check('--push-interval', serverIntervalProblem(options.pushInterval)), (fields.pushInterval = Number(options.pushInterval));
  if (options.remoteOrg !== undefined) {
    const ref = options.remoteOrg.trim();
    const org = /^\d+$/.test(ref) ? await findOrganisationById(store, Number(ref)) : await findOrganisation(store, ref);
    if (!org) throw new CliError(`--remote-org: no organisation "${ref}" (give its id, name or uuid; \`cairn access\` adds one)`);
    fields.remoteOrgId = org.id;
  }
  const flags: Partial<Record<ServerFlag, boolean>> = {};
  for (const f of flagList(options.on, '--on')) flags[f] = true;
  for (const f of flagList(options.off, '--off')) flags[f] = false;
  fields.flags = flags;
  return fields;
}

/** `internal` means the remote is run by this instance's own organisation: as servers/add, it is cleared for any other. */
async function keepInternalHonest(store: Store, fields: ServerFields, remoteOrgId: number): Promise<void> {
  if (fields.flags?.internal && remoteOrgId !== (await hostOrganisationId(store))) fields.flags.internal = false;
}

async function serverArg(store: Store, args: readonly string[]): Promise<Server> {
  const [ref] = args;
  if (!ref || !/^\d+$/.test(ref)) throw new CliError('name the server by id: cairn servers ACTION ID');
  const server = await findServer(store, Number(ref));
  if (!server) throw new CliError(`there is no server ${ref}`);
  return server;
}

/**
 * `cairn servers`: list the remote instances; `add NAME --url --key --remote-org [--on push,pull,…]`;
 * `edit ID …`; `delete ID`; `test ID` (MISP's connection test); `pull ID [full|incremental|UUID]`;
 * `push ID [full|incremental|EVENT_ID]`; `runs ID`. Pulls and pushes run here, through the same client,
 * pipeline and run records as the server's.
 */
export async function serversCommand(action: string | undefined, args: string[], options: ServersOptions): Promise<number> {
  return withStore(async (store) => {
    try {
      return await serversAction(store, action, args, options);
    } catch (err) {
      if (err instanceof ServiceError) throw new CliError(err.message);
      throw err;
    }
  });
}

async function serversAction(store: Store, action: string | undefined, args: string[], options: ServersOptions): Promise<number> {
  switch (action) {
    case undefined:
    case 'list': {
      const servers = await listServers(store);
      await writeOut(options.json ? `${JSON.stringify(servers, null, 2)}\n` : servers.map(line).join('\n') + (servers.length ? '\n' : ''));
      return 0;
    }
    case 'add': {
      const fields = await fieldsOf(store, { ...options, name: args[0] ?? options.name });
      if (!fields.name) throw new CliError('give the server a name: cairn servers add NAME --url URL --key KEY --remote-org ORG');
      if (!fields.url) throw new CliError('--url: the remote instance\'s base url is needed');
      if (!fields.authkey) throw new CliError('--key: the sync user\'s key on the remote is needed');
      if (fields.remoteOrgId === undefined) throw new CliError('--remote-org: the organisation the remote instance is (id, name or uuid) is needed');
      const host = await hostOrganisationId(store);
      if (host === undefined) throw new CliError('the instance has no host organisation yet: run `cairn serve` once, or `cairn access`');
      await keepInternalHonest(store, fields, fields.remoteOrgId);
      const server = await addServer(store, {
        ...fields, name: fields.name, url: fields.url, authkey: fields.authkey, orgId: host, remoteOrgId: fields.remoteOrgId,
        pullRules: fields.pullRules ?? DEFAULT_PULL_RULES, pushRules: fields.pushRules ?? DEFAULT_PUSH_RULES,
      });
      await writeOut(`${line(server)}\n`);
      return 0;
    }
    case 'edit': {
      const server = await serverArg(store, args);
      const fields = await fieldsOf(store, options);
      await keepInternalHonest(store, fields, fields.remoteOrgId ?? server.remoteOrg.id);
      await writeOut(`${line((await editServer(store, server.id, fields))!)}\n`);
      return 0;
    }
    case 'delete': {
      const server = await serverArg(store, args);
      await deleteServer(store, server.id);
      await writeOut(`server ${server.id} deleted\n`);
      return 0;
    }
    case 'test': {
      const server = await serverArg(store, args);
      const client = await RemoteClient.open(store, server, { timeoutMs: 30_000, attempts: 1 });
      try {
        const result = await testConnection(client, MISP_API_VERSION);
        await writeOut(`${JSON.stringify(result, null, options.json ? 2 : undefined)}\n`);
        return result.status === 1 ? 0 : 1;
      } finally {
        client.close();
      }
    }
    case 'pull':
    case 'push': {
      const server = await serverArg(store, args);
      const scope = args[1] ?? 'full';
      const runner = new SyncRunner(store, new WriteQueue(store));
      try {
        const run = await runner.wait(await runner.start(server.id, action, scope));
        await writeOut(`${options.json ? JSON.stringify(run) : runLine(run)}\n`);
        return run.status === 'ok' ? 0 : 1;
      } finally {
        await runner.close();
      }
    }
    case 'runs': {
      const server = await serverArg(store, args);
      const runs = await listServerRuns(store, server.id);
      await writeOut(options.json ? `${JSON.stringify(runs, null, 2)}\n` : runs.map(runLine).join('\n') + (runs.length ? '\n' : ''));
      return 0;
    }
    default:
      throw new CliError(`unknown action "${action}": list, add, edit, delete, test, pull, push or runs`);
  }
}
