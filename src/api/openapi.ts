import swagger from '@fastify/swagger';
import { Ajv } from 'ajv';
import type { FastifyInstance, FastifySchema } from 'fastify';
import { MISP_API_VERSION } from './version.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The model a body carries, bare or wrapped as MISP clients send it (`{"Event": {…}}`). */
    model?: string;
    /** What MISP answers when a body of this route cannot be saved (`The event could not be saved.`). */
    failure?: string;
  }
}

/** A route's documentation: what it does, and the shape of what it takes. */
export interface RouteDoc {
  summary: string;
  description?: string;
  /**
   * JSON schema of the body (src/api/schemas): it validates the body and documents it. Its `x-model`
   * names the model a body may come wrapped in, its `x-failure` MISP's words when it cannot be saved.
   */
  body?: object;
  /** JSON schema of the query string (documentation only: restSearch and index filters are parsed by the services). */
  query?: object;
  /**
   * JSON schema of the answer (src/api/schemas/answers.ts), published as the 200 response. Documentation
   * only: the serializer ignores it, so an answer is MISP's member for member; a test holds the handlers to it.
   */
  response?: object;
}

/**
 * Gives each route a plugin registers its documentation, by `METHOD /path` as registered: the schema
 * OpenAPI is generated from. A route without an entry still appears, under the plugin's tag; a test
 * checks that none goes without a summary.
 */
export function documented(app: FastifyInstance, tag: string, docs: Record<string, RouteDoc>): void {
  app.addHook('onRoute', (route) => {
    if (route.method === 'HEAD') return;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const doc = docs[`${methods[0]} ${route.url}`];
    const params = [...route.url.matchAll(/:([A-Za-z_]+)/g)].map((m) => m[1]!);
    const schema: FastifySchema & Record<string, unknown> = {
      ...(route.schema ?? {}),
      tags: [tag],
      ...(doc ? { summary: doc.summary } : {}),
      ...(doc?.description ? { description: doc.description } : {}),
      ...(params.length ? { params: { type: 'object', properties: Object.fromEntries(params.map((p) => [p, { type: 'string' }])), required: params } } : {}),
      ...(doc?.body ? { body: doc.body } : {}),
      ...(doc?.query ? { querystring: doc.query } : {}),
      ...(doc?.response ? { response: { 200: doc.response } } : {}),
    };
    route.schema = schema;
    const marks = (doc?.body ?? {}) as { 'x-model'?: unknown; 'x-failure'?: unknown };
    const model = marks['x-model'];
    const failure = marks['x-failure'];
    if (typeof model === 'string' || typeof failure === 'string') {
      route.config = { ...(route.config ?? {}), ...(typeof model === 'string' ? { model } : {}), ...(typeof failure === 'string' ? { failure } : {}) };
    }
  });
}

/**
 * Bodies are checked against their schemas as sent: no coercion, no defaults, nothing removed (MISP's
 * clients are loose, and the schemas take every form MISP takes). `verbose` keeps each failing schema,
 * whose `$comment` names the kind of field for the message.
 */
const ajv = new Ajv({ allErrors: false, verbose: true, strict: false, coerceTypes: false, useDefaults: false, removeAdditional: false });


const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escape = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

interface Spec {
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, { summary?: string; description?: string; tags?: string[]; requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, { type?: string; description?: string }> } }> } }>>;
}

/** The API documentation as one page of plain HTML: no script, nothing loaded from elsewhere. */
function docsPage(spec: Spec): string {
  const byTag = new Map<string, string[]>();
  for (const [path, ops] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const fields = Object.entries(op.requestBody?.content?.['application/json']?.schema?.properties ?? {});
      const body = fields.length
        ? `<table><tr><th>field</th><th>type</th><th>meaning</th></tr>${fields.map(([f, s]) => `<tr><td><code>${escape(f)}</code></td><td>${escape(s.type ?? '')}</td><td>${escape(s.description ?? '')}</td></tr>`).join('')}</table>` : '';
      const html = `<div class="op"><span class="m ${method}">${method.toUpperCase()}</span> <code>${escape(path)}</code> — ${escape(op.summary ?? '')}`
        + `${op.description ? `<p>${escape(op.description)}</p>` : ''}${body}</div>`;
      const tag = op.tags?.[0] ?? 'Other';
      byTag.set(tag, [...(byTag.get(tag) ?? []), html]);
    }
  }
  const sections = [...byTag].map(([tag, ops]) => `<h2 id="${escape(tag)}">${escape(tag)}</h2>${ops.join('')}`).join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(spec.info.title)}</title><style>
body{font:15px/1.5 system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#1d2430}
code{font:13px ui-monospace,monospace;background:#f1f3f6;padding:.1rem .3rem;border-radius:3px}
.op{border-bottom:1px solid #e3e6eb;padding:.5rem 0}.m{display:inline-block;width:4.2rem;font-weight:600;font-size:12px}
.get{color:#116329}.post{color:#0550ae}.put{color:#8250df}.delete{color:#cf222e}
table{border-collapse:collapse;margin:.4rem 0 .2rem 4.6rem;font-size:13px}td,th{border:1px solid #e3e6eb;padding:.15rem .5rem;text-align:left}
nav a{margin-right:.8rem}</style></head><body><h1>${escape(spec.info.title)} <small>${escape(spec.info.version)}</small></h1>
<p>${escape(spec.info.description ?? '')}</p><p>The machine-readable description is at <a href="/openapi.json"><code>/openapi.json</code></a>.</p>
<nav>${[...byTag.keys()].map((t) => `<a href="#${escape(t)}">${escape(t)}</a>`).join('')}</nav>${sections}</body></html>`;
}

/**
 * OpenAPI 3 generated from the routes' schemas, at /openapi.json, and a readable page of it at
 * /api-docs. Body schemas validate what they document; answers are not shaped by schemas (they are
 * MISP's, member for member).
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  app.setValidatorCompiler(({ schema, httpPart }) => {
    if (httpPart !== 'body') return () => true;
    const validate = ajv.compile(schema);
    // A bodiless POST (PyMISP sends many) is no body to check: the handler decides what it needs.
    const check = (data: unknown) => {
      if (data === undefined || data === null) return true;
      const ok = validate(data);
      check.errors = validate.errors;
      return ok;
    };
    check.errors = validate.errors;
    return check;
  });
  app.addHook('preValidation', async (request) => {
    const model = request.routeOptions.config.model;
    const body = request.body as Record<string, unknown> | undefined;
    if (model && body && typeof body === 'object' && !Array.isArray(body) && typeof body[model] === 'object' && body[model] !== null) request.body = body[model];
  });
  // Response schemas document the answers; shaping answers by them would drop what MISP's documents carry beyond them.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Cairn REST API',
        version: MISP_API_VERSION,
        description: "MISP's REST API, as Cairn serves it: PyMISP and scripts written for MISP work unchanged. Send your API key in the Authorization header (or X-MISP-AUTH). Every answer shows only what your organisation may see.",
      },
      components: { securitySchemes: { ApiKey: { type: 'apiKey', in: 'header', name: 'Authorization' } } },
      security: [{ ApiKey: [] }],
    },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/api-docs', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'").send(docsPage(app.swagger() as unknown as Spec)));
}
