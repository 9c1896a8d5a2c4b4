import type { FastifyInstance, FastifyRequest } from 'fastify';
import { mayRunDiagnostics } from '../../access/policy/diagnostics.js';
import { schemaDiagnostic } from '../../store/db/schema-diagnostic.js';
import type { Store } from '../../store/db/database.js';
import { ApiError } from '../errors.js';
import { documented } from '../openapi.js';
import { lacking, refuseUnless, userOf } from '../session.js';
import type { ApiContext } from '../context.js';

interface Operation {
  summary?: string;
  requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown>; required?: string[] } }> };
}
type Paths = Record<string, Record<string, Operation>>;

/** Every route of the API as its OpenAPI description lists it (routes registered without a summary included). */
function operations(app: FastifyInstance): Array<{ path: string; method: string; op: Operation }> {
  const paths = (app.swagger() as unknown as { paths?: Paths }).paths ?? {};
  return Object.entries(paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method: method.toUpperCase(), op })));
}

/** MISP's controller and action of a path: `/events/view/{id}` is events, view; `/admin/users/index` is users, admin_index. */
function controllerAction(path: string): { controller: string; action: string } {
  const parts = path.split('/').filter((p) => p && !p.startsWith('{'));
  const admin = parts[0] === 'admin' ? parts.shift() : undefined;
  const action = parts[1] ?? 'index';
  return { controller: parts[0] ?? '', action: admin ? `admin_${action}` : action };
}

/**
 * Each replica of CAIRN_DATABASE_REPLICA_URLS (none without): whether it answers, how far behind the
 * primary it was at its last check (null before any good check), and whether this process sends reads
 * to it now, with why not when it does not; how many reads it took and how many went back to the primary.
 */
function replicaDiagnostic(store: Store) {
  return (store.replicas?.states() ?? []).map((r) => ({
    url: r.url, answering: r.answering, in_use: r.usable, lag_seconds: Number.isFinite(r.lagSeconds) ? Math.round(r.lagSeconds * 1000) / 1000 : null,
    max_lag_seconds: store.replicas!.config.maxLagSeconds, ...(r.reason ? { reason: r.reason } : {}), reads_served: r.served, reads_fell_back: r.fellBack,
  }));
}

/**
 * Read-only diagnostics of the instance itself, as MISP's administration pages give them: the store's
 * schema against the one its migrations make, and the route table (what MISP derives from its ACL list,
 * Cairn from its API description, where each route says what it does and who may use it).
 */
export async function diagnosticRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { store } = ctx;
  documented(app, 'Instance', {
    'GET /servers/dbSchemaDiagnostic': { summary: "The store's schema compared with the one its migrations make (site admins)" },
    'GET /events/queryACL/:type': { summary: 'findMissingFunctionNames: the routes with no description of what they do and who may (site admins)' },
    'GET /api/getAllApis.json': { summary: 'Every route of the API, with what it does and the body fields it takes (site admins)' },
    'GET /api/getAllApis': { summary: 'Every route of the API (as api/getAllApis.json)' },
  });
  const admin = (request: FastifyRequest) => refuseUnless(mayRunDiagnostics(userOf(request)), lacking('perm_site_admin'));

  app.get('/servers/dbSchemaDiagnostic', async (request) => {
    admin(request);
    const d = await schemaDiagnostic(store);
    const diagnostic: Record<string, Array<Record<string, unknown>>> = {};
    const words = { missing_table: 'Table `%s` does not exist', additional_table: 'Table `%s` exists but should not', missing: 'Missing: %s', additional: 'Exists but should not: %s' };
    for (const x of d.differences) {
      (diagnostic[x.table] ??= []).push({
        description: words[x.kind].replace('%s', x.kind.endsWith('table') ? x.table : x.line), error_type: x.kind, column_name: x.line.split(' ')[0],
        ...(x.kind === 'missing' || x.kind === 'missing_table' ? { expected: x.line } : { actual: x.line }),
        is_critical: x.kind === 'missing' || x.kind === 'missing_table',
      });
    }
    return {
      dataSource: store.dialect === 'sqlite' ? 'Database/Sqlite' : 'Database/Postgres',
      actual_db_version: d.actualVersion, expected_db_version: d.expectedVersion,
      checked_table_column: d.columns, diagnostic, diagnostic_index: {}, error: d.error ?? '',
      // Cairn migrates its store as it opens it: there is no update in progress to lock or count failures of.
      update_locked: false, remaining_lock_time: 0, update_fail_number_reached: false, indexes: {},
      // Cairn's own: the PostgreSQL streaming replicas this server process reads from, as its last check saw them.
      replicas: replicaDiagnostic(store),
    };
  });

  app.get<{ Params: { type: string } }>('/events/queryACL/:type', async (request) => {
    admin(request);
    if (request.params.type !== 'findMissingFunctionNames') {
      throw new ApiError(400, `queryACL takes findMissingFunctionNames; Cairn has no ACL list to print (${request.params.type})`);
    }
    const missing: Record<string, string[]> = {};
    for (const { path, op } of operations(app)) {
      if (op.summary) continue;
      const { controller, action } = controllerAction(path);
      (missing[controller] ??= []).push(action);
    }
    // MISP answers an empty list when nothing is missing.
    return Object.keys(missing).length ? missing : [];
  });

  const allApis = async (request: FastifyRequest) => {
    admin(request);
    const apis: Record<string, Record<string, unknown>> = {};
    for (const { path, method, op } of operations(app)) {
      const { controller, action } = controllerAction(path);
      const schema = op.requestBody?.content?.['application/json']?.schema;
      const required = new Set(schema?.required ?? []);
      const url = path.replace(/\{([^}]+)\}/g, '[$1]');
      apis[`${method} ${url}`] = {
        description: op.summary ?? '', api_name: `[${controller}] ${action}`, controller, action, http_method: method, url,
        body: Object.fromEntries(Object.keys(schema?.properties ?? {}).map((f) => [f, required.has(f) ? 'mandatory' : 'optional'])),
      };
    }
    return { allValidApis: apis, fieldsConstraint: {} };
  };
  app.get('/api/getAllApis.json', allApis);
  app.get('/api/getAllApis', allApis);
}
