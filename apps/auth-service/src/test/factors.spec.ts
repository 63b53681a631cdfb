import { decodeJwt, createRemoteJWKSet, jwtVerify } from 'jose';
import { DataSource } from 'typeorm';
import { UsersService } from '../app/users/users.service';
import { codeFor, enrolTotp, webLoginWithCode } from './factor-helpers';
import { authorizePath, authzIn, pkce, registerApp, startRelyingParty, type TestRelyingParty } from './oidc-helpers';
import { basic, postForm, postJson, startAuthService, type TestAuthService } from './test-auth-app';
import { csrfIn, WebClient } from './web-helpers';

/**
 * Second factors over HTTP: TOTP enrolment and the two-step API login, single use of codes,
 * recovery codes, throttling, `amr`/`auth_time` in tokens (refresh and code flow too), and the
 * second factor administrators need (ADMIN_SECOND_FACTOR on, as in production).
 */
describe('second factors', () => {
  jest.setTimeout(30_000);
  const PASSWORD = 'factor-password-1';
  let svc: TestAuthService;
  let rp: TestRelyingParty;
  let n = 0;

  beforeAll(async () => {
    svc = await startAuthService('factors', { ADMIN_SECOND_FACTOR: 'true', LOGIN_MAX_FAILURES: '4' });
    rp = await startRelyingParty();
  });
  afterAll(async () => {
    await rp?.close();
    await svc?.dispose();
  });

  const db = () => svc.app.get(DataSource);
  async function newUser(admin = false): Promise<{ email: string; web: WebClient }> {
    const email = `factor${++n}@example.com`;
    await svc.app.get(UsersService).register(email, PASSWORD, admin);
    const web = new WebClient(svc.url);
    const form = await web.get('/login');
    const res = await web.post('/login', { email, password: PASSWORD, csrf: csrfIn(form.body) });
    if (res.res.status !== 303) throw new Error(`login failed: ${res.res.status}`);
    return { email, web };
  }
  const login = (email: string) => postJson(`${svc.url}/auth/login`, { email, password: PASSWORD });
  const second = (body: Record<string, unknown>) => postJson(`${svc.url}/auth/login/second-factor`, body);
  const auditCount = async (event: string, email: string) =>
    ((await db().query('SELECT count(*)::int AS n FROM audit_log a JOIN users u ON u.id = a.user_id WHERE a.event = $1 AND u.email = $2', [event, email])) as { n: number }[])[0]?.n ?? 0;

  it('enrols TOTP (secret sealed, QR as inline SVG), then the API login takes two steps; a code works once', async () => {
    const { email, web } = await newUser();
    const { secret, recoveryCodes, enrolCode } = await enrolTotp(web);
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    const rows: { totp_secret_sealed: string }[] = await db().query(`SELECT f.totp_secret_sealed FROM user_factors f JOIN users u ON u.id = f.user_id WHERE u.email = $1`, [email]);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.totp_secret_sealed).toMatch(/^v1\./);
    expect(rows[0]?.totp_secret_sealed).not.toContain(secret);
    expect(await auditCount('factor_added', email)).toBe(1);

    const first = await login(email);
    expect(first.status).toBe(401);
    expect(first.body).toMatchObject({ code: 'AUTH_SECOND_FACTOR_REQUIRED', expires_in: 300, factors: ['totp', 'recovery_code'], requestId: expect.any(String) });
    expect(first.body['access_token']).toBeUndefined();
    const challenge = String(first.body['challenge']);
    expect(challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const valid = new Set([-1, 0, 1, 2].map((o) => codeFor(secret, o)));
    const wrong = await second({ challenge, code: ['000000', '111111', '222222', '333333', '444444'].find((c) => !valid.has(c)) ?? '' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ code: 'AUTH_SECOND_FACTOR_INVALID' });
    // The enrolment's code is used up; a code of a later step is fresh.
    expect((await second({ challenge, code: enrolCode })).body['code']).toBe('AUTH_SECOND_FACTOR_INVALID');
    const next = codeFor(secret, 1);
    const ok = await second({ challenge, code: next });
    expect(ok.status).toBe(200);
    const claims = decodeJwt(String(ok.body['access_token']));
    expect(claims['amr']).toEqual(['pwd', 'otp', 'mfa']);
    expect(Math.abs(Number(claims['auth_time']) - Date.now() / 1000)).toBeLessThan(10);

    // The challenge was used up; a new one does not take the same code again.
    expect((await second({ challenge, code: next })).body['code']).toBe('AUTH_SECOND_FACTOR_INVALID');
    const again = await login(email);
    expect((await second({ challenge: String(again.body['challenge']), code: next })).body['code']).toBe('AUTH_SECOND_FACTOR_INVALID');
    expect(await auditCount('factor_failed', email)).toBe(3);

    // Refresh keeps how the user signed in.
    const refreshed = await postForm(`${svc.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: String(ok.body['refresh_token']) });
    expect(refreshed.status).toBe(200);
    expect(decodeJwt(String(refreshed.body['access_token']))).toMatchObject({ amr: ['pwd', 'otp', 'mfa'], auth_time: claims['auth_time'] });

    // The web sign-in asks for the code too; the same code is a replay there as well.
    const browser = new WebClient(svc.url);
    const replay = await webLoginWithCode(browser, email, PASSWORD, { code: next });
    expect(replay.status).toBe(401);
    expect(replay.body).toContain('That code is not valid');
  });

  it('one code, two sign-ins at once: exactly one succeeds (the accepting UPDATE is the replay check)', async () => {
    const { email, web } = await newUser();
    const { secret } = await enrolTotp(web);
    const challenges = await Promise.all([login(email), login(email), login(email)]);
    const code = codeFor(secret, 1);
    const results = await Promise.all(challenges.map((c) => second({ challenge: String(c.body['challenge']), code })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 401, 401]);
  });

  it('a recovery code works once, API and web; using one is audited', async () => {
    const { email, web } = await newUser();
    const { recoveryCodes } = await enrolTotp(web);
    const [a, b] = recoveryCodes as [string, string];
    const first = await login(email);
    const ok = await second({ challenge: String(first.body['challenge']), recovery_code: a.toUpperCase() });
    expect(ok.status).toBe(200);
    expect(decodeJwt(String(ok.body['access_token']))['amr']).toEqual(['pwd', 'otp', 'mfa']);
    const reuse = await login(email);
    expect((await second({ challenge: String(reuse.body['challenge']), recovery_code: a })).status).toBe(401);
    expect(await auditCount('recovery_code_used', email)).toBe(1);

    const browser = new WebClient(svc.url);
    const done = await webLoginWithCode(browser, email, PASSWORD, { recovery_code: b });
    expect(done).toMatchObject({ status: 303, location: '/account' });
    const page = await browser.get('/account/security');
    expect(page.body).toContain('8 of 10 unused');
    expect(await auditCount('recovery_code_used', email)).toBe(2);
  });

  it('bad second-step bodies are 400, never 500', async () => {
    for (const body of [{}, { challenge: 'x' }, { challenge: 'x'.repeat(43), code: '1', recovery_code: '2' }, { challenge: 5, code: '123456' }, { challenge: 'x'.repeat(43), code: '123456', extra: 1 }]) {
      const res = await second(body);
      expect({ body, status: res.status, code: res.body['code'] }).toEqual({ body, status: 400, code: 'REQUEST_INVALID' });
    }
    const dead = await second({ challenge: 'x'.repeat(43), code: '123456' });
    expect(dead.status).toBe(401);
    expect(dead.body['code']).toBe('AUTH_SECOND_FACTOR_INVALID');
  });

  it('throttles codes like passwords: the account locks (429, Retry-After) and a right code is refused meanwhile', async () => {
    const { email, web } = await newUser();
    const { secret } = await enrolTotp(web);
    const first = await login(email);
    const challenge = String(first.body['challenge']);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await second({ challenge, code: '00000' + String(i) });
      statuses.push(res.status);
      if (res.status === 429) {
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
        break;
      }
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
    // Locked: the password step refuses too, so a right code cannot be tried.
    const locked = await login(email);
    expect(locked.status).toBe(429);
    expect(await auditCount('factor_failed', email)).toBe(4);
    // Once the lockout is over (cleared here) the right code is accepted.
    await db().query(`DELETE FROM login_throttle WHERE key = $1`, [`acct:${email}`]);
    expect((await second({ challenge, code: codeFor(secret, 1) })).status).toBe(200);
  });

  it('a challenge dies after five wrong codes, even below the account lockout', async () => {
    const { email, web } = await newUser();
    const { secret } = await enrolTotp(web);
    const challenge = String((await login(email)).body['challenge']);
    // The account counter is cleared after each failure, so only the challenge's own cap applies.
    for (let i = 0; i < 5; i++) {
      expect((await second({ challenge, code: '99999' + String(i) })).status).toBe(401);
      await db().query(`DELETE FROM login_throttle WHERE key = $1`, [`acct:${email}`]);
    }
    expect((await second({ challenge, code: codeFor(secret, 1) })).body['code']).toBe('AUTH_SECOND_FACTOR_INVALID');
  });

  it('the admin API refuses a password-only admin token with 401 insufficient_user_authentication, and takes one with a second factor', async () => {
    const { email, web } = await newUser(true);
    const pwdOnly = await login(email);
    expect(pwdOnly.status).toBe(200);
    const refused = await fetch(`${svc.url}/admin/users`, { headers: { authorization: `Bearer ${String(pwdOnly.body['access_token'])}` } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer error="insufficient_user_authentication"/);
    expect(await refused.json()).toMatchObject({ code: 'AUTH_INSUFFICIENT_USER_AUTHENTICATION' });

    // The web admin pages send the admin to enrol, and let them in once the factor is proven on this session.
    expect((await web.get('/admin')).res.headers.get('location')).toBe('/account/security?notice=admin-enrol');
    const { secret } = await enrolTotp(web);
    expect((await web.get('/admin')).res.status).toBe(200);

    const challenge = String((await login(email)).body['challenge']);
    const stepped = await second({ challenge, code: codeFor(secret, 1) });
    const allowed = await fetch(`${svc.url}/admin/users`, { headers: { authorization: `Bearer ${String(stepped.body['access_token'])}` } });
    expect(allowed.status).toBe(200);
  });

  it('the seeded-style admin without a factor is sent to enrol on sign-in', async () => {
    const email = `factor${++n}@example.com`;
    await svc.app.get(UsersService).register(email, PASSWORD, true);
    const web = new WebClient(svc.url);
    const form = await web.get('/login');
    const res = await web.post('/login', { email, password: PASSWORD, csrf: csrfIn(form.body) });
    expect(res.res.headers.get('location')).toBe('/account/security?notice=admin-enrol');
    const page = await web.get('/account/security?notice=admin-enrol');
    expect(page.body).toContain('Administrators need a second factor');
  });

  it('the code flow asks for the factor on the page; access and ID tokens carry amr and auth_time', async () => {
    const secret0 = await registerApp(svc, rp, 'factor-app', { firstParty: true });
    const { email, web } = await newUser();
    const { secret } = await enrolTotp(web);
    const browser = new WebClient(svc.url);
    const { verifier, challenge } = pkce();
    const start = await browser.get(authorizePath('factor-app', rp.callbackUri, challenge));
    const loginPath = start.res.headers.get('location') ?? '';
    expect(loginPath).toMatch(/^\/login\?authz=/);
    const form = await browser.get(loginPath);
    const first = await browser.post('/login', { email, password: PASSWORD, csrf: csrfIn(form.body), authz: authzIn(form.body) });
    expect(first.res.headers.get('location')).toBe('/login/second-factor');
    const step = await browser.get('/login/second-factor');
    const done = await browser.post('/login/second-factor', { csrf: csrfIn(step.body), code: codeFor(secret, 1) });
    const cont = done.res.headers.get('location') ?? '';
    expect(cont).toMatch(/^\/oauth\/authorize\/continue\?authz=/);
    const back = await browser.get(cont);
    const callback = new URL(back.res.headers.get('location') ?? '');
    expect(callback.origin + callback.pathname).toBe(rp.callbackUri);
    const tokens = await postForm(`${svc.url}/oauth/token`, { grant_type: 'authorization_code', code: callback.searchParams.get('code') ?? '', redirect_uri: rp.callbackUri, code_verifier: verifier }, { authorization: basic('factor-app', secret0 ?? '') });
    expect(tokens.status).toBe(200);
    const jwks = createRemoteJWKSet(new URL(`${svc.url}/.well-known/jwks.json`));
    const id = await jwtVerify(String(tokens.body['id_token']), jwks, { issuer: svc.config.ISSUER, audience: 'factor-app' });
    expect(id.payload['amr']).toEqual(['pwd', 'otp', 'mfa']);
    const access = decodeJwt(String(tokens.body['access_token']));
    expect(access).toMatchObject({ amr: ['pwd', 'otp', 'mfa'], auth_time: id.payload['auth_time'] });
  });

  it('removing a factor needs a fresh sign-in, ends the other sessions and is audited; the last one takes the recovery codes', async () => {
    const { email, web } = await newUser();
    const { recoveryCodes } = await enrolTotp(web);
    const [r1, r2, r3] = recoveryCodes as [string, string, string];
    const other = new WebClient(svc.url);
    expect((await webLoginWithCode(other, email, PASSWORD, { recovery_code: r1 })).location).toBe('/account');
    const api = await second({ challenge: String((await login(email)).body['challenge']), recovery_code: r2 });
    expect(api.status).toBe(200);

    const page = await web.get('/account/security');
    const id = /action="\/account\/security\/factors\/([0-9a-f-]{36})\/remove"/.exec(page.body)?.[1] ?? '';
    expect(id).not.toBe('');
    // An old sign-in is refused (and nothing changes).
    await db().query(`UPDATE sessions SET auth_time = now() - interval '1 hour' WHERE kind = 'web' AND user_id = (SELECT id FROM users WHERE email = $1)`, [email]);
    const stale = await web.post(`/account/security/factors/${id}/remove`, { csrf: csrfIn(page.body) });
    expect(stale.res.status).toBe(403);
    expect(stale.body).toContain('Sign in again');
    expect((await other.get('/account')).res.status).toBe(200);

    // Sign in afresh in the same browser (with the factor), then remove it.
    const fresh = await webLoginWithCode(web, email, PASSWORD, { recovery_code: r3 }, '/login?reauth=1');
    expect(fresh.location).toBe('/account');
    const again = await web.get('/account/security');
    const removed = await web.post(`/account/security/factors/${id}/remove`, { csrf: csrfIn(again.body) });
    expect(removed.res.headers.get('location')).toBe('/account/security?notice=factor-removed');
    expect((await web.get('/account/security')).res.status).toBe(200);
    expect((await other.get('/account')).res.headers.get('location')).toBe('/login');
    const refresh = await postForm(`${svc.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: String(api.body['refresh_token']) });
    expect(refresh.body['error']).toBe('invalid_grant');
    const left: { n: number }[] = await db().query('SELECT count(*)::int AS n FROM recovery_codes r JOIN users u ON u.id = r.user_id WHERE u.email = $1', [email]);
    expect(left[0]?.n).toBe(0);
    expect(await auditCount('factor_removed', email)).toBeGreaterThanOrEqual(1);
    // Back to a password alone.
    const plain = await login(email);
    expect(plain.status).toBe(200);
    expect(decodeJwt(String(plain.body['access_token']))['amr']).toEqual(['pwd']);
  });
});
