import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Store } from '../../src/store/db/database.js';
import { findUser, setPassword } from '../../src/store/access/users.js';
import { call, serve, type Instance } from '../helpers/api.js';
import { forEachDialect } from '../helpers/stores.js';

const PASSWORD = 'a long enough password';

forEachDialect('web sessions: sign-in, CSRF, idle timeout, sign-out', (fixture) => {
  let i: Instance;
  let store: Store;

  /** A request as the browser sends it: the session cookie, and the CSRF token when given. */
  const browser = async (method: string, path: string, options: { cookie?: string; csrf?: string; body?: unknown } = {}) => {
    const res = await fetch(`${i.base}${path}`, {
      method,
      headers: {
        Accept: 'application/json', ...(options.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...(options.cookie ? { Cookie: options.cookie } : {}), ...(options.csrf ? { 'X-CSRF-Token': options.csrf } : {}),
      },
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
  };

  const signIn = async (password = PASSWORD) => {
    const res = await browser('POST', '/auth/login', { body: { email: 'Alice@A.test', password } });
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    return { ...res, cookie, csrf: res.body?.csrfToken as string };
  };

  before(async () => {
    store = await fixture.open();
    i = await serve(store, { sessionIdleMinutes: 1 });
    await setPassword(store, (await findUser(store, 'alice@a.test'))!.id, PASSWORD);
  });
  after(async () => {
    await i.app.close();
    await fixture.cleanup();
  });

  it('signs in with e-mail and password into an HTTP-only, same-site cookie, and refuses a wrong password', async () => {
    const wrong = await signIn('not the password');
    assert.equal(wrong.status, 403);
    assert.equal(wrong.body.message, 'Wrong e-mail address or password.');
    assert.equal(wrong.headers.get('set-cookie'), null);
    assert.equal((await browser('POST', '/auth/login', { body: { email: 'alice@a.test' } })).status, 400, 'a missing password is named');
    const ok = await signIn();
    assert.equal(ok.status, 200);
    assert.equal(ok.body.User.email, 'alice@a.test');
    assert.match(ok.headers.get('set-cookie') ?? '', /^cairn_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
    assert.match(ok.csrf, /^[\w-]{43}$/);
    const session = await browser('GET', '/auth/session', { cookie: ok.cookie });
    assert.equal(session.body.csrfToken, ok.csrf);
    assert.equal((await browser('GET', '/users/view/me.json', { cookie: ok.cookie })).body.User.email, 'alice@a.test', 'the session reaches the whole API');
    assert.equal((await browser('GET', '/auth/session')).status, 403);
  });

  it('refuses any change a session asks for without its CSRF token', async () => {
    const s = await signIn();
    const event = { Event: { info: 'from the browser', distribution: 0 } };
    const forged = await browser('POST', '/events/add', { cookie: s.cookie, body: event });
    assert.equal(forged.status, 403);
    assert.match(forged.body.message, /CSRF token/);
    assert.equal((await browser('POST', '/events/add', { cookie: s.cookie, csrf: 'guessed', body: event })).status, 403);
    const made = await browser('POST', '/events/add', { cookie: s.cookie, csrf: s.csrf, body: event });
    assert.equal(made.status, 200);
    assert.equal(made.body.Event.Orgc.name, 'Org A');
    assert.equal((await call(i, i.alice, 'POST', '/events/add', { Event: { info: 'with a key', distribution: 0 } })).status, 200, 'API keys need no token');
  });

  it('ends a session on sign-out, after it is idle too long, and on a password change', async () => {
    const s = await signIn();
    const out = await browser('POST', '/auth/logout', { cookie: s.cookie, csrf: s.csrf });
    assert.equal(out.status, 200);
    assert.match(out.headers.get('set-cookie') ?? '', /^cairn_session=; .*Max-Age=0/);
    assert.equal((await browser('GET', '/auth/session', { cookie: s.cookie })).status, 403, 'the old cookie is worth nothing');

    const idle = await signIn();
    await store.db.updateTable('session').set({ last_seen: Date.now() - 61_000 }).execute();
    assert.equal((await browser('GET', '/auth/session', { cookie: idle.cookie })).status, 403, 'idle for more than a minute');

    const a = await signIn();
    const b = await signIn();
    assert.equal((await browser('POST', '/auth/password', { cookie: a.cookie, csrf: a.csrf, body: { current: 'wrong', password: 'another long password' } })).status, 403);
    const short = await browser('POST', '/auth/password', { cookie: a.cookie, csrf: a.csrf, body: { current: PASSWORD, password: 'short' } });
    assert.equal(short.status, 403);
    assert.match(short.body.message, /at least 12 characters/);
    const changed = await browser('POST', '/auth/password', { cookie: a.cookie, csrf: a.csrf, body: { current: PASSWORD, password: 'another long password' } });
    assert.equal(changed.status, 200);
    assert.equal((await browser('GET', '/auth/session', { cookie: b.cookie })).status, 403, 'other sessions end');
    assert.equal((await signIn()).status, 403, 'the old password no longer works');
    await setPassword(store, (await findUser(store, 'alice@a.test'))!.id, PASSWORD);
  });

  it('serves the interface under a policy that forbids inline script', async () => {
    const page = await fetch(`${i.base}/`);
    assert.ok(page.status === 200 || page.status === 503, `${page.status}`);
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.ok(!csp.includes('unsafe-inline'));
    assert.equal(page.headers.get('x-frame-options'), 'DENY');
    assert.equal((await fetch(`${i.base}/ui/../../package.json`)).status, 404);
    assert.equal((await fetch(`${i.base}/ui/%2e%2e/%2e%2e/package.json`)).status, 404);
    assert.equal((await fetch(`${i.base}/ui/assets`)).status, 404, 'a folder of the interface is no file');
    assert.equal((await fetch(`${i.base}/ui/assets/`)).status, 404);
  });

  it('limits wrong current passwords of a password change as it limits sign-ins (after every other test: alice is then locked out)', async () => {
    const s = await signIn();
    assert.equal(s.status, 200);
    const change = (current: string) => browser('POST', '/auth/password', { cookie: s.cookie, csrf: s.csrf, body: { current, password: 'yet another long password' } });
    for (let n = 0; n < 10; n++) assert.equal((await change(`guess ${n}`)).status, 403);
    const refused = await change(PASSWORD);
    assert.equal(refused.status, 429, 'even the right password, once past the limit');
    assert.match(refused.body.message, /Too many wrong current passwords/);
    assert.equal((await signIn()).status, 429, 'and sign-ins of that account from that address');
  });
});
