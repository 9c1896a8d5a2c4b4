import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isUuid } from '../../model/event.js';
import { findOrganisation, findOrganisationById, hostOrganisationId } from '../../store/access/organisations.js';
import { addServer, deleteServer, editServer, findServer, listServers, SERVER_FLAGS, type Server, type ServerFields, type ServerFlag, type ServerOrg } from '../../store/servers.js';
import { mayManageServers } from '../../access/policy/servers.js';
import { flagField, modelBody, saved, type Fields } from '../body.js';
import { ApiError } from '../errors.js';
import { lacking, refuseUnless, userOf } from '../session.js';
import { documented } from '../openapi.js';
import type { ApiContext } from '../context.js';
import { ServerSaved, Servers } from '../schemas/answers.js';
import { MISP_API_VERSION } from '../version.js';
import { RemoteClient } from '../../services/sync/client.js';
import { testConnection } from '../../services/sync/connection.js';
import { listServerRuns, type ServerRun } from '../../store/server-runs.js';
import { isOn } from '../event-view-options.js';
import {
  DEFAULT_PULL_RULES, DEFAULT_PUSH_RULES, serverAuthkeyProblem, serverIntervalProblem, serverRulesProblem, serverUrlProblem,
} from '../../services/sync/server-config.js';


const orgDocument = (o: ServerOrg) => ({ id: String(o.id), name: o.name, uuid: o.uuid, local: o.local });

/** A server as MISP answers it: every column but the key, which is never shown again once given. */
export function serverDocument(s: Server) {
  return {
    id: String(s.id), name: s.name, url: s.url, org_id: String(s.org.id),
    ...Object.fromEntries(SERVER_FLAGS.map((f) => [f, s.flags[f]])),
    lastpulledid: s.lastPulledId === null ? null : String(s.lastPulledId),
    lastpushedid: s.lastPushedId === null ? null : String(s.lastPushedId),
    organization: null, remote_org_id: String(s.remoteOrg.id),
    pull_rules: s.pullRules, push_rules: s.pushRules, cert_file: null, client_cert_file: null, priority: String(s.priority),
    // Cairn's schedule, in minutes (0: only when asked), where MISP has cron jobs.
    pull_interval: String(s.pullInterval), push_interval: String(s.pushInterval),
  };
}

/** MISP's answer to a server that could not be saved: 403, the action's words, the problem by field. */
const unsaved = (action: 'add' | 'edit', field: string, problem: string) =>
  new ApiError(403, `Could not ${action} Server`, { errors: { [field]: [problem] } });

/** Pull or push rules: MISP's JSON, given as a text or as the object itself; kept as text. */
function rulesField(raw: Fields, name: 'pull_rules' | 'push_rules', action: 'add' | 'edit'): string | undefined {
  const v = raw[name];
  if (v === undefined || v === null || v === '') return undefined;
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  const problem = serverRulesProblem(text, name === 'pull_rules' ? 'pull' : 'push');
  if (problem) throw unsaved(action, name, problem);
  return text;
}

function urlField(raw: Fields, action: 'add' | 'edit'): string | undefined {
  const v = raw.url;
  if (v === undefined || v === null) return undefined;
  const text = String(v).trim();
  const problem = serverUrlProblem(text);
  if (problem) throw unsaved(action, 'url', problem);
  return text;
}

function intervalField(raw: Fields, name: 'pull_interval' | 'push_interval', action: 'add' | 'edit'): number | undefined {
  const v = raw[name];
  if (v === undefined || v === null || v === '') return undefined;
  const problem = serverIntervalProblem(v);
  if (problem) throw unsaved(action, name, problem);
  return Number(v);
}

/** A run as servers/runs answers it (the web interface reads this shape). */
export function runDocument(r: ServerRun) {
  const iso = (t: number) => new Date(t * 1000).toISOString();
  return {
    id: r.id, server_id: r.serverId, kind: r.kind, scope: r.scope, status: r.status, started: iso(r.started), finished: r.finished === null ? null : iso(r.finished),
    pulled: r.pulled, pushed: r.pushed, refused: r.refused, error: r.error, refusals: r.refusals,
    sightings: r.sightings, proposals: r.proposals, clusters: r.clusters, analyst_data: r.analystData,
  };
}

function authkeyField(raw: Fields, action: 'add' | 'edit'): string | undefined {
  const v = raw.authkey;
  if (v === undefined || v === null || v === '') return undefined;
  const text = String(v).trim();
  const problem = serverAuthkeyProblem(text);
  if (problem) throw unsaved(action, 'authkey', problem);
  return text;
}

export async function serverRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store } = ctx;
  documented(app, 'Servers', {
    'GET /servers/index': { summary: 'The remote instances this one syncs with, with their flags and rules (never their keys); site admins', response: Servers },
    'POST /servers/add': { summary: "Add a remote instance: name, url, authkey (stored encrypted, never shown again), remote_org_id (id or uuid), MISP's flags and rules", response: ServerSaved },
    'POST /servers/edit/:id': { summary: 'Change a remote instance; an authkey given replaces the stored one', response: ServerSaved },
    'PUT /servers/edit/:id': { summary: 'Change a remote instance (as POST)', response: ServerSaved },
    'POST /servers/delete/:id': { summary: 'Remove a remote instance' },
    'DELETE /servers/delete/:id': { summary: 'Remove a remote instance (as POST)' },
    'GET /servers/testConnection/:id': { summary: 'The connection test (as POST), as MISP\'s interface links it' },
    'POST /servers/testConnection/:id': { summary: "MISP's connection test of a remote: status 1 (with versions, POST test, encodings), 2 unreachable, 3 not MISP's answer, 4 refused, 7/8 the remote user lacks sync rights" },
    'POST /servers/pull/:id/:technique': { summary: 'Pull from a remote (full, incremental or one event uuid) in the background; wait:1 answers once the run ended, as MISP without background jobs' },
    'POST /servers/push/:id/:technique': { summary: 'Push to a remote (full, incremental or one event id) in the background; wait:1 answers once the run ended' },
    'POST /servers/pull/:id': { summary: 'Pull from a remote; the technique (full, incremental, an event uuid) in the body, full by default' },
    'GET /servers/pull/:id': { summary: 'A full pull (as POST), as PyMISP\'s server_pull asks for it' },
    'GET /servers/pull/:id/:technique': { summary: 'Pull from a remote (as POST), as MISP\'s interface links it' },
    'POST /servers/push/:id': { summary: 'Push to a remote; the technique (full, incremental, an event id) in the body, full by default' },
    'GET /servers/push/:id': { summary: 'A full push (as POST), as PyMISP\'s server_push asks for it' },
    'GET /servers/push/:id/:technique': { summary: 'Push to a remote (as POST), as MISP\'s interface links it' },
    'GET /servers/runs/:id': { summary: "A server's pulls and pushes, newest first: status, counts, error and the events refused and why" },
  });

  const admin = (request: FastifyRequest) => {
    const user = userOf(request);
    refuseUnless(mayManageServers(user), lacking('perm_site_admin'));
    return user;
  };
  const serverOf = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const id = /^\d+$/.test(request.params.id) ? Number(request.params.id) : NaN;
    const server = Number.isSafeInteger(id) ? await findServer(store, id) : undefined;
    if (!server) throw new ApiError(404, 'Invalid server');
    return server;
  };

  /** The remote organisation by id or uuid, as MISP takes remote_org_id. */
  const remoteOrg = async (v: unknown, action: 'add' | 'edit') => {
    const text = String(v).trim();
    const org = /^\d+$/.test(text) ? await findOrganisationById(store, Number(text)) : isUuid(text.toLowerCase()) ? await findOrganisation(store, text.toLowerCase()) : undefined;
    if (!org) throw unsaved(action, 'Organisation', 'Invalid Remote Organisation');
    return org;
  };

  const fieldsOf = async (raw: Fields, action: 'add' | 'edit'): Promise<ServerFields> => {
    const flags: Partial<Record<ServerFlag, boolean>> = {};
    for (const f of SERVER_FLAGS) {
      const v = flagField(raw, f);
      if (v !== undefined) flags[f] = v;
    }
    const name = raw.name === undefined || raw.name === null ? undefined : String(raw.name).trim();
    if (name !== undefined && name === '') throw unsaved(action, 'name', 'This field cannot be left empty');
    const url = urlField(raw, action);
    const authkey = authkeyField(raw, action);
    const pullRules = rulesField(raw, 'pull_rules', action);
    const pushRules = rulesField(raw, 'push_rules', action);
    const pullInterval = intervalField(raw, 'pull_interval', action);
    const pushInterval = intervalField(raw, 'push_interval', action);
    const remote = raw.remote_org_id === undefined || raw.remote_org_id === null || raw.remote_org_id === '' ? undefined : await remoteOrg(raw.remote_org_id, action);
    return {
      ...(name !== undefined ? { name } : {}), ...(url !== undefined ? { url } : {}), ...(authkey !== undefined ? { authkey } : {}),
      ...(pullRules !== undefined ? { pullRules } : {}), ...(pushRules !== undefined ? { pushRules } : {}),
      ...(remote ? { remoteOrgId: remote.id } : {}), flags,
      ...(pullInterval !== undefined ? { pullInterval } : {}), ...(pushInterval !== undefined ? { pushInterval } : {}),
    };
  };

  app.get<{ Querystring: { search?: string } }>('/servers/index', async (request) => {
    admin(request);
    const search = typeof request.query.search === 'string' ? request.query.search.trim().toLowerCase() : '';
    const servers = (await listServers(store)).filter((s) => !search || s.name.toLowerCase().includes(search) || s.url.toLowerCase().includes(search));
    return servers.map((s) => ({ Server: { ...serverDocument(s), cache_timestamp: false }, Organisation: orgDocument(s.org), RemoteOrg: orgDocument(s.remoteOrg), User: [] }));
  });

  app.post('/servers/add', async (request) => {
    const user = admin(request);
    const raw = modelBody(request.body, 'Server', 'Could not add Server');
    if (raw.remote_org_id === undefined || raw.remote_org_id === null || raw.remote_org_id === '') {
      throw new ApiError(405, 'No remote org ID set. Please pass it as remote_org_id');
    }
    const fields = await fieldsOf(raw, 'add');
    if (!fields.name) throw unsaved('add', 'name', 'This field cannot be left empty');
    if (!fields.url) throw unsaved('add', 'url', 'Please enter a valid base-url.');
    if (!fields.authkey) throw unsaved('add', 'authkey', 'A authkey of a length of 40 characters, letters and digits, is expected.');
    // `internal` means the remote is run by this instance's own (host) organisation: MISP clears it for any other.
    const flags = { ...fields.flags };
    if (fields.remoteOrgId !== (await hostOrganisationId(store))) flags.internal = false;
    const server = await addServer(store, {
      ...fields, name: fields.name, url: fields.url, authkey: fields.authkey, orgId: user.org.id, remoteOrgId: fields.remoteOrgId!,
      pullRules: fields.pullRules ?? DEFAULT_PULL_RULES, pushRules: fields.pushRules ?? DEFAULT_PUSH_RULES, flags,
    });
    return { Server: serverDocument(server) };
  });

  const edit = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    admin(request);
    const server = await serverOf(request);
    const fields = await fieldsOf(modelBody(request.body, 'Server', 'Could not edit Server'), 'edit');
    const remoteOrgId = fields.remoteOrgId ?? server.remoteOrg.id;
    if (fields.flags?.internal && remoteOrgId !== (await hostOrganisationId(store))) fields.flags.internal = false;
    const changed = await editServer(store, server.id, fields);
    return { Server: serverDocument(changed!) };
  };
  app.post('/servers/edit/:id', edit);
  app.put('/servers/edit/:id', edit);

  const { sync } = ctx;
  const connectionTest = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    admin(request);
    const server = await serverOf(request);
    const client = await RemoteClient.open(store, server, { timeoutMs: 30_000, attempts: 1 });
    try {
      return await testConnection(client, MISP_API_VERSION);
    } finally {
      client.close();
    }
  };
  app.post('/servers/testConnection/:id', connectionTest);
  app.get('/servers/testConnection/:id', connectionTest);

  type RunRequest = FastifyRequest<{ Params: { id: string; technique?: string }; Querystring: Record<string, unknown> }>;
  const waits = (request: RunRequest) => isOn(request.query.wait) || isOn((request.body as Fields | undefined)?.wait);
  const techniqueOf = (request: RunRequest) => {
    const body = (request.body ?? {}) as Fields;
    return String(request.params.technique ?? body.technique ?? 'full').trim();
  };

  // MISP queues a job and answers its number; with wait:1 the answer is MISP's own without background jobs.
  const pullRun = async (request: RunRequest) => {
    admin(request);
    const server = await serverOf(request);
    const technique = techniqueOf(request);
    const url = `/servers/pull/${server.id}`;
    if (technique !== 'full' && technique !== 'incremental' && !isUuid(technique.toLowerCase())) {
      throw new ApiError(400, `technique must be full, incremental or an event uuid, not "${technique}"`);
    }
    if (!server.flags.pull && (technique === 'full' || technique === 'incremental')) throw new ApiError(403, 'Pull setting not enabled for this server.', { saved: false, url, id: String(server.id) });
    const runId = await sync.start(server.id, 'pull', technique);
    if (!waits(request)) return saved(`Pull queued for background execution. Job ID: ${runId}`, url, server.id);
    const run = await sync.wait(runId);
    if (run.status === 'failed') throw new ApiError(403, run.error ?? 'The pull failed.', { saved: false, url, id: String(server.id) });
    return saved(`Pull completed. ${run.pulled} events pulled, ${run.refused} events could not be pulled, ${run.proposals} proposals pulled, ${run.sightings} sightings pulled, ${run.clusters} clusters pulled, ${run.analystData} analyst data pulled.`, url, server.id);
  };
  app.post('/servers/pull/:id', pullRun);
  app.post('/servers/pull/:id/:technique', pullRun);
  app.get('/servers/pull/:id', pullRun);
  app.get('/servers/pull/:id/:technique', pullRun);

  const pushRun = async (request: RunRequest) => {
    admin(request);
    const server = await serverOf(request);
    const technique = techniqueOf(request);
    const url = `/servers/push/${server.id}`;
    if (technique !== 'full' && technique !== 'incremental' && !/^\d+$/.test(technique)) {
      throw new ApiError(400, `technique must be full, incremental or an event id, not "${technique}"`);
    }
    const runId = await sync.start(server.id, 'push', technique);
    if (!waits(request)) return saved(`Push queued for background execution. Job ID: ${runId}`, url, server.id);
    const run = await sync.wait(runId);
    if (run.status === 'failed') throw new ApiError(403, run.error ?? 'The push failed.', { saved: false, url, id: String(server.id) });
    return saved(`Push complete. ${run.pushed} events pushed, ${run.refused} events could not be pushed.`, url, server.id);
  };
  app.post('/servers/push/:id', pushRun);
  app.post('/servers/push/:id/:technique', pushRun);
  app.get('/servers/push/:id', pushRun);
  app.get('/servers/push/:id/:technique', pushRun);

  app.get<{ Params: { id: string } }>('/servers/runs/:id', async (request) => {
    admin(request);
    const server = await serverOf(request);
    return { runs: (await listServerRuns(store, server.id)).map(runDocument) };
  });

  const remove = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    admin(request);
    const server = await serverOf(request);
    await deleteServer(store, server.id);
    return saved('Server deleted', request.url.split('?')[0] ?? '', server.id);
  };
  app.post('/servers/delete/:id', remove);
  app.delete('/servers/delete/:id', remove);
}
