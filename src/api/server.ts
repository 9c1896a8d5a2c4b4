import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Store } from '../store/db/database.js';
import { userByApiKey } from '../store/access/users.js';
import { auditChanges } from './audit.js';
import { FailedAuthLimit } from './auth-limit.js';
import { LibraryCache } from '../services/caches/libraries.js';
import { registerOpenApi } from './openapi.js';
import { ApiError, clientError, errorBody } from './errors.js';
import { parseMispQuery, rewriteMispUrl } from './named-params.js';
import { attributeRoutes } from './routes/attributes.js';
import { proposalRoutes } from './routes/proposals.js';
import { eventRoutes } from './routes/events.js';
import { instanceRoutes } from './routes/instance.js';
import { libraryRoutes } from './routes/libraries.js';
import { galaxyClusterRoutes } from './routes/galaxy-clusters.js';
import { libraryUpdateRoutes } from './routes/library-updates.js';
import { taxonomyAdminRoutes } from './routes/taxonomy-admin.js';
import { diagnosticRoutes } from './routes/diagnostics.js';
import { sightingRoutes } from './routes/sightings.js';
import { freeTextRoutes } from './routes/freetext.js';
import { tagRoutes } from './routes/tags.js';
import { userStatisticsRoutes } from './routes/user-statistics.js';
import { auditLogRoutes } from './routes/audit-logs.js';
import { correlationAdminRoutes } from './routes/correlation-admin.js';
import { blocklistRoutes } from './routes/blocklists.js';
import { warninglistAdminRoutes } from './routes/warninglist-admin.js';
import { objectRoutes } from './routes/objects.js';
import { eventReportRoutes } from './routes/event-reports.js';
import { analystDataRoutes } from './routes/analyst-data.js';
import { organisationRoutes } from './routes/organisations.js';
import { sharingGroupRoutes } from './routes/sharing-groups.js';
import { taxiiRoutes } from './taxii/routes.js';
import { WebSessions } from './web-session.js';
import { webSessionRoutes } from './routes/web-session.js';
import { webUiRoutes } from './web-ui.js';
import { interfaceRoutes } from './routes/web-interface.js';
import { userRoutes } from './routes/users.js';
import { settingRoutes } from './routes/settings.js';
import { userSettingRoutes } from './routes/user-settings.js';
import { registrationRoutes } from './routes/registrations.js';
import { eventDelegationRoutes } from './routes/event-delegations.js';
import { communityRoutes } from './routes/communities.js';
import { decayingModelRoutes } from './routes/decaying-models.js';
import { serverRoutes } from './routes/servers.js';
import { syncRoutes } from './routes/sync.js';
import { syncReceiveRoutes } from './routes/sync-receive.js';
import { decodeRequestBodies } from './request-encoding.js';
import { parseJsonBody } from './json-body.js';
import { feedRoutes } from './routes/feeds.js';
import { FeedRunner } from '../services/feeds/runner.js';
import { FeedScheduler } from '../services/feeds/schedule.js';
import { SyncRunner } from '../services/sync/runner.js';
import { SyncScheduler } from '../services/sync/schedule.js';
import { SettingsCache } from '../services/caches/settings.js';
import type { ApiContext } from './context.js';
import { isSiteAdmin } from '../access/policy/permissions.js';
import { WriteQueue } from '../services/write-queue.js';
import { ExportThreads } from '../services/export/threads.js';
import { offloadLargeReads } from './offload.js';
import { markUsersWrites } from './read-your-writes.js';

export interface ServerOptions {
  /** Largest request body accepted, in bytes (default 64 MB: MISP events can be large). */
  bodyLimit?: number;
  /** Log each request to standard output. */
  log?: boolean;
  /**
   * Where internal errors are logged, one JSON line each with the request's id, when `log` is off
   * (default: standard error). With `log`, they go with the requests to standard output.
   */
  errorLog?: { write(line: string): unknown };
  /** Certificate and key: HTTPS instead of HTTP. */
  https?: { cert: Buffer; key: Buffer };
  /** Failed authentications per minute (wrong keys per address; wrong passwords per address and account) before 429 (default 10). */
  failedAuthLimit?: number;
  /** Web sessions end after this long unused (default 30 minutes). */
  sessionIdleMinutes?: number;
  /** The folders holding MISP's libraries that the `update` actions reload from (CAIRN_LIBRARIES). */
  libraryDirs?: readonly string[];
  /**
   * Threads producing exports of events, and answering the large reads with `offloadReads`, off the
   * server's thread (default 1; 0: all on the server's thread).
   */
  exportThreads?: number;
  /** Start the threads with the server, not at the first request that needs one (`cairn serve`). */
  startThreads?: boolean;
  /**
   * Answer the large reads (events/view, events/index, TAXII pages) on the threads (`cairn serve`); off,
   * they are answered here, which saves a test's server a thread and a second server to build.
   */
  offloadReads?: boolean;
  /** Fetch the enabled feeds on their intervals, looking every this many ms (off unless given: `cairn serve` gives it). */
  feedScheduleMs?: number;
  /** Pull from and push to the servers on their intervals, looking every this many ms (off unless given: `cairn serve` gives it). */
  syncScheduleMs?: number;
  /** Limits of the sync client's requests to remotes (tests shorten them). */
  syncClient?: import('../services/sync/runner.js').SyncRunnerOptions;
}

/**
 * The key a request carries: MISP clients send it bare in `Authorization`, or in `X-MISP-AUTH`; TAXII
 * clients use HTTP Basic, the user's e-mail address with the key as password.
 */
function credentialsOf(headers: Record<string, string | string[] | undefined>): { key: string; email?: string } | undefined {
  const raw = headers['authorization'] ?? headers['x-misp-auth'];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  if (!value) return undefined;
  const basic = /^Basic\s+(\S+)$/i.exec(value);
  if (basic) {
    const pair = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = pair.indexOf(':');
    return colon < 0 ? { key: pair } : { key: pair.slice(colon + 1), email: pair.slice(0, colon) };
  }
  return { key: value.replace(/^Bearer\s+/i, '') };
}

/** The addresses whose changes alter who a key's user is, or what his role lets him do. */

/** The HTTP server: MISP's REST API over the store. */
export async function buildServer(store: Store, options: ServerOptions = {}): Promise<FastifyInstance> {
  const bodyLimit = options.bodyLimit ?? 64 * 1024 * 1024;
  const app = Fastify({
    // Internal errors are always logged; the requests themselves only when asked.
    logger: options.log ? true : { level: 'error', stream: options.errorLog ?? process.stderr },
    // Ids that stay distinct across the processes and restarts of an instance: an answer's id finds its log line.
    genReqId: () => randomUUID(),
    // Starting the threads (startThreads) builds a server in each: on a busy machine, more than Fastify's 10 s.
    ...(options.startThreads ? { pluginTimeout: 120_000 } : {}),
    bodyLimit,
    ...(options.https ? { https: options.https } : {}),
    // MISP's `name:value` path segments and `.json` suffixes, read once here as the query string (named-params.ts).
    rewriteUrl(this: FastifyInstance, req) {
      const method = (req.method ?? 'GET') as 'GET';
      return rewriteMispUrl(req.url ?? '/', (url) => this.hasRoute({ method, url }));
    },
    routerOptions: { querystringParser: parseMispQuery },
  }) as unknown as FastifyInstance;
  app.decorateRequest('user', undefined);
  app.decorateRequest('sessionCsrf', undefined);
  // PyMISP sends `Content-Type: application/json` on every request, bodiless POSTs included.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    const parsed = parseJsonBody(body as Buffer);
    if (parsed.ok) done(null, parsed.value);
    else done(new ApiError(400, parsed.message), undefined);
  });

  decodeRequestBodies(app);
  const failures = new FailedAuthLimit(store, options.failedAuthLimit ?? 10);
  const sessions = new WebSessions(store, { idleMs: (options.sessionIdleMinutes ?? 30) * 60_000, maxMs: 12 * 3600_000, secure: options.https !== undefined });
  const settings = new SettingsCache(store);
  // Under HTTPS, browsers are told to use nothing else for this host for a year: no downgrade to HTTP.
  if (options.https) {
    app.addHook('onRequest', (_request, reply, done) => {
      reply.header('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
      done();
    });
  }
  // Who is asking is read afresh for every request (no cache of keys or users): a revoked key, a
  // disabled user or a changed role applies to the very next request, on every server of the instance.
  app.addHook('onRequest', async (request, reply) => {
    const url = request.url.split('?')[0] ?? request.url;
    const credentials = credentialsOf(request.headers);
    if (credentials) {
      const { key, email } = credentials;
      const user = await userByApiKey(store, key);
      // With Basic, the key must be the key of the user named.
      request.user = user && (email === undefined || email.toLowerCase() === user.email.toLowerCase()) ? user : undefined;
      if (!request.user) {
        const scope = FailedAuthLimit.keyScope(request.ip);
        const wait = await failures.retryAfter(scope);
        if (wait === 0) await failures.fail(scope);
        else {
          return reply.status(429).header('Retry-After', String(wait)).send(errorBody(`Too many failed authentications from this address; try again in ${wait} s.`, url));
        }
      }
    } else {
      // Without a key, the web interface's session cookie, if any, says who is asking.
      await sessions.authenticate(request);
    }
    // MISP.live off: the instance is under maintenance, open to site admins only.
    if (request.user && !isSiteAdmin(request.user) && !(await settings.live())) {
      request.user = undefined;
      return reply.status(403).send(errorBody('This instance is not live: only site admins may use it until an administrator sets MISP.live again.', url));
    }
  });
  auditChanges(app, store);
  markUsersWrites(app, store);

  app.setErrorHandler((err: Error, request, reply) => {
    const url = request.url.split('?')[0] ?? request.url;
    const failure = clientError(err, request.routeOptions.config);
    if (failure) return reply.status(failure.status).send(errorBody(failure.message, url, failure.details));
    const status = (err as { statusCode?: number }).statusCode;
    // Fastify's own refusals (bad JSON, too large a body, wrong content type) are the client's doing.
    if (status && status >= 400 && status < 500) return reply.status(status).send(errorBody(err.message, url));
    request.log.error({ err, method: request.method, url: request.url }, 'internal error');
    return reply.status(500).header('X-Request-Id', request.id)
      .send(errorBody(`An internal error occurred; it has been logged with the request id ${request.id}.`, url, { request_id: request.id }));
  });
  app.setNotFoundHandler((request, reply) => {
    const url = request.url.split('?')[0] ?? request.url;
    reply.status(404).send(errorBody(`There is no ${request.method} ${url} in this API.`, url));
  });

  await registerOpenApi(app);
  const writes = new WriteQueue(store);
  const libraries = new LibraryCache(store);
  const threadCount = options.exportThreads ?? 1;
  // The pool's threads run serving-thread.ts: its .ts beside this .ts under tsx, its .js once built.
  const entry = new URL(`./serving-thread.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url);
  const threadOptions = {
    bodyLimit, failedAuthLimit: options.failedAuthLimit, sessionIdleMinutes: options.sessionIdleMinutes, libraryDirs: options.libraryDirs,
    answersRequests: options.offloadReads === true,
  };
  const exportThreads = threadCount > 0 && ExportThreads.canServe(store.config) ? new ExportThreads(store.config, threadCount, entry, threadOptions) : undefined;
  if (exportThreads) {
    app.addHook('onClose', () => exportThreads.close());
    if (options.offloadReads) offloadLargeReads(app, exportThreads, store);
    // `cairn serve` says it serves once its threads can answer too.
    if (options.startThreads) app.addHook('onReady', () => exportThreads.start());
  }
  // Sync runs write through this server's queue; a stopping server lets the runs under way finish.
  const sync = new SyncRunner(store, writes, options.syncClient);
  const syncSchedule = options.syncScheduleMs ? new SyncScheduler(store, sync, options.syncScheduleMs) : undefined;
  app.addHook('onReady', async () => syncSchedule?.start());
  app.addHook('onClose', async () => {
    await syncSchedule?.stop();
    await sync.close();
  });
  const ctx: ApiContext = { store, settings, writes, libraries, sessions, failures, bodyLimit, libraryDirs: options.libraryDirs ?? [], exportThreads, sync };
  await app.register(async (scope) => instanceRoutes(scope, ctx));
  await app.register(async (scope) => eventRoutes(scope, ctx));
  await app.register(async (scope) => attributeRoutes(scope, ctx));
  await app.register(async (scope) => proposalRoutes(scope, ctx));
  await app.register(async (scope) => objectRoutes(scope, ctx));
  await app.register(async (scope) => eventReportRoutes(scope, ctx));
  await app.register(async (scope) => analystDataRoutes(scope, ctx));
  await app.register(async (scope) => tagRoutes(scope, ctx));
  await app.register(async (scope) => userStatisticsRoutes(scope, ctx));
  await app.register(async (scope) => sightingRoutes(scope, ctx));
  await app.register(async (scope) => freeTextRoutes(scope, ctx));
  await app.register(async (scope) => organisationRoutes(scope, ctx));
  await app.register(async (scope) => userRoutes(scope, ctx));
  await app.register(async (scope) => settingRoutes(scope, ctx));
  await app.register(async (scope) => userSettingRoutes(scope, ctx));
  await app.register(async (scope) => registrationRoutes(scope, ctx));
  await app.register(async (scope) => eventDelegationRoutes(scope, ctx));
  await app.register(async (scope) => decayingModelRoutes(scope, ctx));
  await app.register(async (scope) => serverRoutes(scope, ctx));
  await app.register(async (scope) => syncRoutes(scope, ctx));
  await app.register(async (scope) => syncReceiveRoutes(scope, ctx));
  await app.register(async (scope) => sharingGroupRoutes(scope, ctx));
  await app.register(async (scope) => correlationAdminRoutes(scope, ctx));
  await app.register(async (scope) => blocklistRoutes(scope, ctx));
  await app.register(async (scope) => warninglistAdminRoutes(scope, ctx));
  await app.register(async (scope) => auditLogRoutes(scope, ctx));
  await app.register(async (scope) => libraryRoutes(scope, ctx));
  await app.register(async (scope) => galaxyClusterRoutes(scope, ctx));
  await app.register(async (scope) => libraryUpdateRoutes(scope, ctx));
  await app.register(async (scope) => taxonomyAdminRoutes(scope, ctx));
  await app.register(async (scope) => diagnosticRoutes(scope, ctx));
  await app.register(async (scope) => communityRoutes(scope, ctx));
  // Feed runs write through this server's queue; a stopping server lets the runs under way finish.
  const feeds = new FeedRunner(store, writes);
  const schedule = options.feedScheduleMs ? new FeedScheduler(store, feeds, options.feedScheduleMs) : undefined;
  app.addHook('onReady', async () => schedule?.start());
  app.addHook('onClose', async () => {
    await schedule?.stop();
    await feeds.close();
  });
  await app.register(async (scope) => feedRoutes(scope, ctx, feeds));
  await app.register(async (scope) => taxiiRoutes(scope, ctx), { prefix: '/taxii2' });
  await app.register(async (scope) => webSessionRoutes(scope, ctx));
  await app.register(async (scope) => interfaceRoutes(scope, ctx));
  await app.register(async (scope) => webUiRoutes(scope));
  return app;
}
