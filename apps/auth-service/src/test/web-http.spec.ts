import { DataSource } from 'typeorm';
import { UsersService } from '../app/users/users.service';
import { postForm, postJson, startAuthService, type TestAuthService } from './test-auth-app';
import { csrfIn, sha256, WebClient } from './web-helpers';

const PASSWORD = 'web-http-password';

describe('web dashboard over plain HTTP: cookie, CSRF, lifetimes, pages', () => {
  let svc: TestAuthService;
  let ds: DataSource;
  let n = 0;

  beforeAll(async () => {
    svc = await startAuthService('webhttp');
    ds = svc.app.get(DataSource);
  });
  afterAll(() => svc.dispose());

  async function newUser(admin = false, email = `w${++n}@example.com`): Promise<string> {
    await svc.app.get(UsersService).register(email, PASSWORD, admin);
    return email;
  }
  const liveSessions = async (email: string): Promise<number> => {
    const rows: { n: number }[] = await ds.query(
      `SELECT count(*)::int AS n FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = $1 AND s.revoked_at IS NULL`,
      [email],
    );
    return rows[0]!.n;
  };
  const apiLogin = async (email: string) => {
    const res = await postJson(`${svc.url}/auth/login`, { email, password: PASSWORD }, { 'user-agent': 'api-client/1.0' });
    return { access: String(res.body['access_token']), refresh: String(res.body['refresh_token']) };
  };

  it('serves /login with the security headers and a pre-login CSRF cookie', async () => {
    const web = new WebClient(svc.url);
    const { res, body } = await web.get('/login');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("form-action 'self'");
    // The passkey button: scripts from this origin only, never inline or eval, fetch only to us.
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|unsafe-hashes|'nonce-|'sha256-/);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(body).not.toMatch(/<script(?![^>]*\ssrc="\/assets\/)/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('same-origin');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('strict-transport-security')).toBeNull(); // plain HTTP: HSTS only over TLS
    expect(res.headers.getSetCookie()).toEqual([expect.stringMatching(/^__Host-gh_login=[A-Za-z0-9_-]{43}; Path=\/; Secure; HttpOnly; SameSite=Strict$/)]);
    expect(body).toMatch(/<label for="email">Email<\/label>/);
    expect(body).toMatch(/<label for="password">Password<\/label>/);
    // No inline script or style: the only scripts are files of ours (the passkey button).
    expect(body).not.toMatch(/style=/i);
    expect([...body.matchAll(/<script[^>]*>/gi)].map((m) => m[0])).toEqual(['<script src="/assets/vendor/simplewebauthn-browser.js" defer>', '<script src="/assets/passkeys.js" defer>']);
    expect(body).not.toMatch(/<script[^>]*>[^<]/i);
    expect(body).toMatch(/<link rel="stylesheet" href="\/assets\/app\.css\?v=[0-9a-f]{12}">/);
  });

  it('serves the stylesheet', async () => {
    const res = await fetch(`${svc.url}/assets/app.css`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await res.text()).toContain('.card');
    const again = await fetch(`${svc.url}/assets/app.css`, { headers: { 'if-none-match': res.headers.get('etag') ?? '' } });
    expect(again.status).toBe(304);
  });

  it('log in: cookie attributes, 256-bit value stored only as SHA-256, a new id at every login', async () => {
    const email = await newUser();
    const web = new WebClient(svc.url);
    const form = await web.get('/login');
    const res = await web.post('/login', { email, password: PASSWORD, csrf: csrfIn(form.body) });
    expect(res.res.status).toBe(303);
    expect(res.res.headers.get('location')).toBe('/account');
    const set = res.res.headers.getSetCookie();
    const session = set.find((c) => c.startsWith('__Host-gh_session='));
    expect(session).toMatch(/^__Host-gh_session=[A-Za-z0-9_-]{43}; Path=\/; Secure; HttpOnly; SameSite=Lax$/);
    expect(session).not.toMatch(/domain/i);
    expect(set.some((c) => /^__Host-gh_login=; .*Max-Age=0/.test(c))).toBe(true);
    const value = web.jar.get('__Host-gh_session')!;
    expect(Buffer.from(value, 'base64url')).toHaveLength(32);
    const rows: { cookie_hash: Buffer; kind: string; row: string }[] = await ds.query(
      `SELECT s.cookie_hash, s.kind, row_to_json(s)::text AS row FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = $1`,
      [email],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.kind).toBe('web');
    expect(rows[0]!.cookie_hash.equals(sha256(value))).toBe(true);
    expect(rows[0]!.row).not.toContain(value);

    // Logging in again from a browser that holds a session gives a new cookie value and ends the old session.
    expect((await web.get('/account')).res.status).toBe(200);
    expect((await web.get('/login')).res.headers.get('location')).toBe('/account'); // already signed in
    const fresh = new WebClient(svc.url);
    const loginForm = await fresh.get('/login');
    fresh.jar.set('__Host-gh_session', value);
    const relog = await fresh.post('/login', { email, password: PASSWORD, csrf: csrfIn(loginForm.body) });
    expect(relog.res.status).toBe(303);
    expect(fresh.jar.get('__Host-gh_session')).not.toBe(value);
    expect(await liveSessions(email)).toBe(1);
    expect((await web.get('/account')).res.headers.get('location')).toBe('/login');
  });

  it('a failed login says the same for an unknown account and a wrong password, and sets no session', async () => {
    const email = await newUser();
    const attempt = async (who: string) => {
      const web = new WebClient(svc.url);
      const form = await web.get('/login');
      const res = await web.post('/login', { email: who, password: 'wrong-password', csrf: csrfIn(form.body) });
      expect(res.res.headers.getSetCookie().some((c) => c.startsWith('__Host-gh_session='))).toBe(false);
      return { status: res.res.status, message: /<div class="error" role="alert">([\s\S]*?)<\/div>/.exec(res.body)?.[1] };
    };
    const known = await attempt(email);
    const unknown = await attempt('nobody-here@example.com');
    expect(known.status).toBe(401);
    expect(unknown).toEqual(known);
    expect(known.message).toContain('Invalid email or password.');
  });

  it('login and registration forms need their token and a same-origin post', async () => {
    const email = await newUser();
    const web = new WebClient(svc.url);
    const form = await web.get('/login');
    const csrf = csrfIn(form.body);
    expect((await web.post('/login', { email, password: PASSWORD })).res.status).toBe(403);
    expect((await web.post('/login', { email, password: PASSWORD, csrf: 'forged' })).res.status).toBe(403);
    expect((await web.post('/login', { email, password: PASSWORD, csrf }, { origin: 'http://evil.example' })).res.status).toBe(403);
    expect((await web.post('/login', { email, password: PASSWORD, csrf }, { 'sec-fetch-site': 'cross-site' })).res.status).toBe(403);
    const noCookie = new WebClient(svc.url);
    expect((await noCookie.post('/login', { email, password: PASSWORD, csrf })).res.status).toBe(403);
    expect(await liveSessions(email)).toBe(0);
    expect((await web.post('/register', { email: 'csrf-reg@example.com', password: PASSWORD, confirm: PASSWORD, csrf: 'x' })).res.status).toBe(403);
    expect(await svc.app.get(UsersService).findByEmail('csrf-reg@example.com')).toBeNull();
  });

  it('register through the form, then log in', async () => {
    const web = new WebClient(svc.url);
    const form = await web.get('/register');
    const csrf = csrfIn(form.body);
    const mismatch = await web.post('/register', { email: 'reg@example.com', password: PASSWORD, confirm: 'other-password', csrf });
    expect(mismatch.res.status).toBe(400);
    expect(mismatch.body).toContain('do not match');
    const ok = await web.post('/register', { email: 'Reg@Example.com', password: PASSWORD, confirm: PASSWORD, csrf });
    expect(ok.res.status).toBe(303);
    expect(ok.res.headers.get('location')).toBe('/login?notice=registered');
    expect((await web.post('/register', { email: 'reg@example.com', password: PASSWORD, confirm: PASSWORD, csrf })).res.status).toBe(409);
    await web.login('reg@example.com', PASSWORD);
  });

  it('a state-changing POST without a valid token or from another origin gets 403 and changes nothing', async () => {
    const email = await newUser();
    const web = new WebClient(svc.url);
    const csrf = await web.login(email, PASSWORD);
    const api = await apiLogin(email);
    expect(await liveSessions(email)).toBe(2);
    const outbox = async () => ((await ds.query('SELECT count(*)::int AS n FROM outbox')) as { n: number }[])[0]!.n;
    const before = await outbox();
    const refused: [Record<string, string>, Record<string, string>][] = [
      [{}, {}],
      [{ csrf: '' }, {}],
      [{ csrf: 'forged-token' }, {}],
      [{ csrf: csrf.slice(0, -1) + (csrf.endsWith('A') ? 'B' : 'A') }, {}],
      [{ csrf }, { origin: 'http://evil.example' }],
      [{ csrf }, { origin: 'null' }],
      [{ csrf }, { 'sec-fetch-site': 'cross-site' }],
      [{ csrf }, { 'sec-fetch-site': 'same-site' }],
    ];
    for (const [form, headers] of refused) {
      const res = await web.post('/account/logout-all', form, headers);
      expect(res.res.status).toBe(403);
      expect(res.body).toContain('not sent from this site');
    }
    expect((await web.post(`/account/sessions/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}/revoke`, { csrf: 'nope' })).res.status).toBe(403);
    expect(await liveSessions(email)).toBe(2);
    expect(await outbox()).toBe(before);
    expect((await postForm(`${svc.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: api.refresh })).status).toBe(200);

    const ok = await web.post('/account/logout-all', { csrf });
    expect(ok.res.status).toBe(303);
    expect(ok.res.headers.get('location')).toBe('/login?notice=everywhere');
    expect(await liveSessions(email)).toBe(0);
  });

  it('after logout, replaying the old cookie value gets no access', async () => {
    const email = await newUser();
    const web = new WebClient(svc.url);
    const csrf = await web.login(email, PASSWORD);
    const stolen = web.jar.get('__Host-gh_session')!;
    const out = await web.post('/logout', { csrf });
    expect(out.res.status).toBe(303);
    expect(out.res.headers.getSetCookie()).toContainEqual(expect.stringMatching(/^__Host-gh_session=; .*Max-Age=0/));
    const replay = new WebClient(svc.url);
    replay.jar.set('__Host-gh_session', stolen);
    for (const path of ['/account', '/admin', '/logout']) {
      const res = await replay.get(path);
      expect(res.res.status).toBe(303);
      expect(res.res.headers.get('location')).toBe('/login');
    }
    replay.jar.set('__Host-gh_session', stolen);
    const post = await replay.post('/account/logout-all', { csrf });
    expect(post.res.headers.get('location')).toBe('/login');
    const rows: { revoked_reason: string }[] = await ds.query(`SELECT revoked_reason FROM sessions WHERE cookie_hash = $1`, [sha256(stolen)]);
    expect(rows).toEqual([{ revoked_reason: 'logout' }]);
  });

  it('idle and absolute lifetimes: activity slides the idle deadline, never past the absolute one', async () => {
    const email = await newUser();
    const web = new WebClient(svc.url);
    await web.login(email, PASSWORD);
    const hash = sha256(web.jar.get('__Host-gh_session')!);
    const deadlines = async () => ((await ds.query(`SELECT idle_expires_at AS idle, absolute_expires_at AS abs, created_at AS created FROM sessions WHERE cookie_hash = $1`, [hash])) as { idle: Date; abs: Date; created: Date }[])[0]!;
    const first = await deadlines();
    expect(first.abs.getTime() - first.created.getTime()).toBeGreaterThan(12 * 3600_000 - 5000);
    expect(first.idle.getTime() - Date.now()).toBeGreaterThan(29 * 60_000);
    await ds.query(`UPDATE sessions SET idle_expires_at = now() + interval '1 minute' WHERE cookie_hash = $1`, [hash]);
    expect((await web.get('/account')).res.status).toBe(200);
    expect((await deadlines()).idle.getTime() - Date.now()).toBeGreaterThan(29 * 60_000);
    await ds.query(`UPDATE sessions SET absolute_expires_at = now() + interval '2 minutes' WHERE cookie_hash = $1`, [hash]);
    expect((await web.get('/account')).res.status).toBe(200);
    expect((await deadlines()).idle.getTime()).toBeLessThanOrEqual((await deadlines()).abs.getTime());
    await ds.query(`UPDATE sessions SET absolute_expires_at = now() - interval '1 second' WHERE cookie_hash = $1`, [hash]);
    expect((await web.get('/account')).res.headers.get('location')).toBe('/login');

    const idle = new WebClient(svc.url);
    await idle.login(email, PASSWORD);
    await ds.query(`UPDATE sessions SET idle_expires_at = now() - interval '1 second' WHERE cookie_hash = $1`, [sha256(idle.jar.get('__Host-gh_session')!)]);
    expect((await idle.get('/account')).res.headers.get('location')).toBe('/login');
  });

  it('/account lists web and API sessions; ending the API one kills its refresh family', async () => {
    const email = await newUser();
    const web = new WebClient(svc.url);
    const csrf = await web.login(email, PASSWORD);
    const api = await apiLogin(email);
    const page = (await web.get('/account')).body;
    expect(page.match(/<tr( class="current")?>\s*<th scope="row">/g)).toHaveLength(2);
    expect(page).toContain('This device');
    expect(page).toContain('API (gatehouse)');
    expect(page).toContain('api-client/1.0');
    const [apiSid] = (await ds.query(`SELECT s.id FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = $1 AND s.kind = 'api'`, [email])) as { id: string }[];
    const res = await web.post(`/account/sessions/${apiSid!.id}/revoke`, { csrf });
    expect(res.res.headers.get('location')).toBe('/account?notice=session-ended');
    expect((await postForm(`${svc.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: api.refresh })).body['error']).toBe('invalid_grant');
    expect((await fetch(`${svc.url}/auth/sessions`, { headers: { authorization: `Bearer ${api.access}` } })).status).toBe(401);
    const queued = await ds.query(`SELECT subject FROM outbox WHERE payload->>'sid' = $1`, [apiSid!.id]);
    expect(queued).toEqual([{ subject: 'gatehouse.revoked.session' }]);
    expect((await web.get('/account?notice=session-ended')).body).toContain('The session has been ended.');
    // Someone else's session id: 404, nothing ends.
    const otherEmail = await newUser();
    await apiLogin(otherEmail);
    const [otherSid] = (await ds.query(`SELECT s.id FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = $1`, [otherEmail])) as { id: string }[];
    expect((await web.post(`/account/sessions/${otherSid!.id}/revoke`, { csrf })).res.status).toBe(404);
    expect(await liveSessions(otherEmail)).toBe(1);
  });

  it('bearer logout-all ends web sessions too', async () => {
    const email = await newUser();
    const web = new WebClient(svc.url);
    await web.login(email, PASSWORD);
    const api = await apiLogin(email);
    expect((await fetch(`${svc.url}/auth/logout-all`, { method: 'POST', headers: { authorization: `Bearer ${api.access}` } })).status).toBe(204);
    expect((await web.get('/account')).res.headers.get('location')).toBe('/login');
  });

  it('change password: wrong current password refused; success keeps this session and ends the others', async () => {
    const email = await newUser();
    const web = new WebClient(svc.url);
    const csrf = await web.login(email, PASSWORD);
    const other = new WebClient(svc.url);
    await other.login(email, PASSWORD);
    const wrong = await web.post('/account/password', { csrf, current_password: 'not-it-at-all', new_password: 'new-password-1', confirm_password: 'new-password-1' });
    expect(wrong.res.status).toBe(401);
    const ok = await web.post('/account/password', { csrf, current_password: PASSWORD, new_password: 'new-password-1', confirm_password: 'new-password-1' });
    expect(ok.res.headers.get('location')).toBe('/account?notice=password');
    expect((await web.get('/account')).res.status).toBe(200);
    expect((await other.get('/account')).res.headers.get('location')).toBe('/login');
    await new WebClient(svc.url).login(email, 'new-password-1');
  });

  it('escapes user-controlled text', async () => {
    const email = await newUser(false, `<i>x</i>"'@example.com`);
    const web = new WebClient(svc.url, '<script>alert(1)</script>');
    await web.login(email, PASSWORD);
    const page = (await web.get('/account')).body;
    expect(page).not.toContain('<script>');
    expect(page).not.toContain('<i>x</i>');
    expect(page).toContain('&lt;i&gt;x&lt;/i&gt;&quot;&#39;@example.com');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('admin pages: 403 for non-admins; users, clients (secret once), audit log, key rotation', async () => {
    const plain = new WebClient(svc.url);
    await plain.login(await newUser(), PASSWORD);
    const denied = await plain.get('/admin');
    expect(denied.res.status).toBe(403);
    expect(denied.body).toContain('This page is for administrators.');

    const adminEmail = await newUser(true);
    const admin = new WebClient(svc.url);
    const csrf = await admin.login(adminEmail, PASSWORD);
    const overview = await admin.get('/admin');
    expect(overview.res.status).toBe(200);
    expect(overview.body).toContain(adminEmail);

    const created = await admin.post('/admin/actions/clients', { csrf, id: 'billing-web', name: 'Billing', audiences: ['orders'], scopes: 'orders:read' });
    expect(created.res.status).toBe(201);
    const secret = /id="created-secret" type="text" readonly value="([A-Za-z0-9_-]{43})"/.exec(created.body)?.[1];
    expect(secret).toBeDefined();
    expect((await admin.get('/admin')).body).not.toContain(secret!);
    const token = await postForm(`${svc.url}/oauth/token`, { grant_type: 'client_credentials', client_id: 'billing-web', client_secret: secret!, audience: 'orders' });
    expect(token.status).toBe(200);
    const bad = await admin.post('/admin/actions/clients', { csrf, id: 'X', audiences: ['nope'], scopes: '' });
    expect(bad.res.status).toBe(400);
    expect((await admin.post('/admin/actions/clients/billing-web/revoke', { csrf })).res.headers.get('location')).toBe('/admin?notice=client-revoked');
    expect((await postForm(`${svc.url}/oauth/token`, { grant_type: 'client_credentials', client_id: 'billing-web', client_secret: secret!, audience: 'orders' })).status).toBe(401);

    const victimEmail = await newUser();
    const victim = new WebClient(svc.url);
    await victim.login(victimEmail, PASSWORD);
    const [victimRow] = (await ds.query('SELECT id FROM users WHERE email = $1', [victimEmail])) as { id: string }[];
    expect((await admin.post(`/admin/actions/users/${victimRow!.id}/disable`, {})).res.status).toBe(403);
    expect((await admin.post(`/admin/actions/users/${victimRow!.id}/disable`, { csrf })).res.headers.get('location')).toBe('/admin?notice=user-disabled');
    expect((await victim.get('/account')).res.headers.get('location')).toBe('/login');
    expect((await admin.post(`/admin/actions/users/${victimRow!.id}/enable`, { csrf })).res.headers.get('location')).toBe('/admin?notice=user-enabled');
    await victim.login(victimEmail, PASSWORD);

    const jwksBefore = (await (await fetch(`${svc.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
    expect((await admin.post('/admin/actions/keys/rotate', { csrf })).res.headers.get('location')).toBe('/admin?notice=rotated');
    const jwksAfter = (await (await fetch(`${svc.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
    expect(jwksAfter.keys.map((k) => k.kid)).not.toEqual(expect.arrayContaining(jwksBefore.keys.map((k) => k.kid)));

    const audit = await admin.get('/admin/audit');
    expect(audit.res.status).toBe(200);
    expect(audit.body).toContain('admin_action');
    expect(audit.body).toContain('action=disable_user');
    expect(audit.body).toContain('key_rotated');
    await ds.query(`INSERT INTO audit_log (event, details) SELECT 'login_failed', jsonb_build_object('n', g) FROM generate_series(1, 60) g`);
    expect((await admin.get('/admin/audit')).body).toContain('rel="next"');
    const page2 = await admin.get('/admin/audit?page=2');
    expect(page2.res.status).toBe(200);
    expect(page2.body).toContain('rel="prev"');
  });
});
