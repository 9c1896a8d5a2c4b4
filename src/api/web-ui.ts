import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Where `npm run build:web` writes the interface: web/dist beside src/ (and beside dist/ once compiled). */
export const WEB_DIST = join(import.meta.dirname, '..', '..', 'web', 'dist');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json', '.woff2': 'font/woff2', '.map': 'application/json',
};

/**
 * Script only from this origin, never inline; no plugins, frames or foreign connections. Styles too
 * come from files only: a value shown in the page can never become markup, script or style.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'", "font-src 'self'",
  "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'",
].join('; ');

function secured(reply: FastifyReply): FastifyReply {
  return reply.header('Content-Security-Policy', CONTENT_SECURITY_POLICY).header('X-Content-Type-Options', 'nosniff')
    .header('Referrer-Policy', 'no-referrer').header('X-Frame-Options', 'DENY');
}

/** The web interface: its page at `/`, its files under `/ui/`. The pages find their way by the address's fragment (`#/events/12`), so no API address is shadowed. */
export async function webUiRoutes(app: FastifyInstance, dist = WEB_DIST): Promise<void> {
  app.get('/', { schema: { hide: true } as never }, async (_request, reply) => {
    const index = join(dist, 'index.html');
    if (!existsSync(index)) {
      return secured(reply).status(503).type('text/plain; charset=utf-8').send('The web interface is not built: run `npm run build:web` (npm install does).\n');
    }
    return secured(reply).type(TYPES['.html']!).header('Cache-Control', 'no-cache').send(await readFile(index));
  });
  app.get('/ui/*', { schema: { hide: true } as never }, async (request, reply) => {
    const rest = (request.params as { '*': string })['*'];
    const path = normalize(join(dist, 'ui', rest));
    // A folder (`/ui/assets`) is no file of the interface either.
    if (!path.startsWith(join(dist, 'ui') + sep) || !existsSync(path) || !statSync(path).isFile()) {
      return secured(reply).status(404).type('text/plain; charset=utf-8').send('Not found\n');
    }
    // Built files carry a hash of their content in their name: they never change.
    return secured(reply).type(TYPES[extname(path)] ?? 'application/octet-stream').header('Cache-Control', 'public, max-age=31536000, immutable').send(await readFile(path));
  });
}
