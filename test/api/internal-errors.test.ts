import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/api/server.js';
import { bootstrapInstance } from '../../src/store/access/users.js';
import { forEachDialect } from '../helpers/stores.js';

forEachDialect('REST API: internal errors and HTTPS headers', (fixture) => {
  const servers: FastifyInstance[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'cairn-tls-'));
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await fixture.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs an internal error without --log, one JSON line with the request id that the answer carries', async () => {
    const store = await fixture.open();
    const boot = await bootstrapInstance(store);
    const lines: string[] = [];
    const app = await buildServer(store, { errorLog: { write: (line: string) => lines.push(line) } });
    servers.push(app);
    // A route that fails as a bug would: not a client's error, not a service's refusal.
    app.get('/test/fails', async () => {
      throw new Error('a bug in the test route');
    });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const ok = await fetch(`${base}/servers/getVersion`, { headers: { Authorization: boot.admin!.key, Accept: 'application/json' } });
    assert.equal(ok.status, 200);
    assert.deepEqual(lines, [], 'requests that succeed are not logged without --log');

    const res = await fetch(`${base}/test/fails?x=1`, { headers: { Authorization: boot.admin!.key, Accept: 'application/json' } });
    assert.equal(res.status, 500);
    const body = (await res.json()) as { message: string; request_id: string };
    assert.match(body.request_id, /^[0-9a-f-]{36}$/);
    assert.equal(res.headers.get('x-request-id'), body.request_id);
    assert.ok(body.message.includes(body.request_id), body.message);
    assert.equal(lines.length, 1);
    const logged = JSON.parse(lines[0]!) as { reqId: string; method: string; url: string; err: { message: string; stack: string } };
    assert.equal(logged.reqId, body.request_id);
    assert.equal(logged.method, 'GET');
    assert.equal(logged.url, '/test/fails?x=1');
    assert.equal(logged.err.message, 'a bug in the test route');
    assert.match(logged.err.stack, /internal-errors\.test\.ts/);

    // Two requests, two ids.
    const again = (await (await fetch(`${base}/test/fails`)).json()) as { request_id: string };
    assert.notEqual(again.request_id, body.request_id);
  });

  it('sends Strict-Transport-Security under HTTPS, and not over plain HTTP', async () => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const store = await fixture.open();
    const boot = await bootstrapInstance(store);
    const secure = await buildServer(store, { https: { cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) } });
    servers.push(secure);
    const base = new URL(await secure.listen({ host: '127.0.0.1', port: 0 }));
    const get = (path: string, key?: string) => new Promise<{ status: number; hsts: string | undefined }>((resolve, reject) => {
      https.get({ host: base.hostname, port: base.port, path, rejectUnauthorized: false, headers: key ? { Authorization: key, Accept: 'application/json' } : {} }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, hsts: res.headers['strict-transport-security'] as string | undefined }));
      }).on('error', reject);
    });
    assert.equal(base.protocol, 'https:');
    for (const [path, key, status] of [['/servers/getVersion', boot.admin!.key, 200], ['/servers/getVersion', undefined, 403], ['/nowhere', boot.admin!.key, 404]] as const) {
      const answer = await get(path, key);
      assert.equal(answer.status, status, path);
      assert.equal(answer.hsts, 'max-age=31536000; includeSubDomains', `${path} answered ${status}`);
    }

    const plain = await buildServer(store);
    servers.push(plain);
    const res = await fetch(`${await plain.listen({ host: '127.0.0.1', port: 0 })}/servers/getVersion`, { headers: { Authorization: boot.admin!.key, Accept: 'application/json' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('strict-transport-security'), null);
  });
});
