import { UsersService } from '../app/users/users.service';
import { authorizePath, CodeFlowBrowser, pkce, registerApp, startRelyingParty, type TestRelyingParty } from './oidc-helpers';
import { startAuthService, type TestAuthService } from './test-auth-app';
import { csrfIn } from './web-helpers';

/**
 * The authorization endpoint over HTTP: the happy path, consent and prompt rules, and the attacks
 * of RFC 9700 §4 / RFC 6819 on it — each refused with a clear answer, never a redirect to an
 * unvalidated URI, never a 500.
 */
describe('authorization endpoint', () => {
  jest.setTimeout(30_000);
  const PASSWORD = 'authorize-password-1';
  let svc: TestAuthService;
  let rp: TestRelyingParty;
  let n = 0;

  beforeAll(async () => {
    svc = await startAuthService('oidc_authz', { BACKCHANNEL_LOGOUT: 'false' });
    rp = await startRelyingParty();
    await registerApp(svc, rp, 'third-party', { tokenEndpointAuthMethod: 'none' });
    await registerApp(svc, rp, 'first-party', { tokenEndpointAuthMethod: 'none', firstParty: true });
  });
  afterAll(async () => {
    await rp?.close();
    await svc?.dispose();
  });

  async function user(): Promise<string> {
    const email = `authz${++n}@example.com`;
    await svc.app.get(UsersService).register(email, PASSWORD);
    return email;
  }
  const browser = () => new CodeFlowBrowser(svc.url);

  it('discovery says exactly what is supported, under both well-known names', async () => {
    const oidc = (await (await fetch(`${svc.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    const rfc8414 = (await (await fetch(`${svc.url}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    expect(rfc8414).toEqual(oidc);
    expect(oidc).toMatchObject({
      issuer: svc.config.ISSUER,
      authorization_endpoint: `${svc.config.ISSUER}/oauth/authorize`,
      userinfo_endpoint: `${svc.config.ISSUER}/oauth/userinfo`,
      end_session_endpoint: `${svc.config.ISSUER}/oauth/logout`,
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
      backchannel_logout_supported: true,
      id_token_signing_alg_values_supported: ['RS256'],
    });
    expect(oidc['grant_types_supported']).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials']));
    expect(oidc['grant_types_supported']).not.toContain('implicit');
  });

  it('first-party app: sign-in, no consent, a code with state and iss; an existing session is reused', async () => {
    const email = await user();
    const web = browser();
    const { location, steps } = await web.authorize(authorizePath('first-party', rp.callbackUri, pkce().challenge, { state: 'abc' }), email, PASSWORD);
    expect(steps).toEqual(['login']);
    expect(`${location.origin}${location.pathname}`).toBe(rp.callbackUri);
    expect(location.searchParams.get('state')).toBe('abc');
    expect(location.searchParams.get('iss')).toBe(svc.config.ISSUER);
    expect(location.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const again = await web.authorize(authorizePath('first-party', rp.callbackUri, pkce().challenge), email, PASSWORD);
    expect(again.steps).toEqual([]);
  });

  it('third-party app: consent once, remembered, asked again with prompt=consent; deny gives access_denied', async () => {
    const email = await user();
    const web = browser();
    const first = await web.authorize(authorizePath('third-party', rp.callbackUri, pkce().challenge), email, PASSWORD);
    expect(first.steps).toEqual(['login', 'consent']);
    expect(first.location.searchParams.get('code')).toBeTruthy();
    expect((await web.authorize(authorizePath('third-party', rp.callbackUri, pkce().challenge), email, PASSWORD)).steps).toEqual([]);
    const asked = await web.authorize(authorizePath('third-party', rp.callbackUri, pkce().challenge, { prompt: 'consent', state: 's1' }), email, PASSWORD, 'deny');
    expect(asked.steps).toEqual(['consent']);
    expect(Object.fromEntries(asked.location.searchParams)).toMatchObject({ error: 'access_denied', state: 's1', iss: svc.config.ISSUER });
  });

  it('prompt=none answers login_required / consent_required instead of showing a page', async () => {
    const email = await user();
    const web = browser();
    const noSession = await web.get(authorizePath('third-party', rp.callbackUri, pkce().challenge, { prompt: 'none', state: 'p' }));
    expect(new URL(noSession.res.headers.get('location') ?? '').searchParams.get('error')).toBe('login_required');
    await web.login(email, PASSWORD);
    const noConsent = await web.get(authorizePath('third-party', rp.callbackUri, pkce().challenge, { prompt: 'none' }));
    expect(new URL(noConsent.res.headers.get('location') ?? '').searchParams.get('error')).toBe('consent_required');
    const firstParty = await web.get(authorizePath('first-party', rp.callbackUri, pkce().challenge, { prompt: 'none' }));
    expect(new URL(firstParty.res.headers.get('location') ?? '').searchParams.get('code')).toBeTruthy();
  });

  it('prompt=login and max_age=0 make a signed-in user sign in again', async () => {
    const email = await user();
    const web = browser();
    await web.login(email, PASSWORD);
    for (const extra of [{ prompt: 'login' }, { max_age: '0' }] as Record<string, string>[]) {
      const { steps, location } = await web.authorize(authorizePath('first-party', rp.callbackUri, pkce().challenge, extra), email, PASSWORD);
      expect(steps).toEqual(['login']);
      expect(location.searchParams.get('code')).toBeTruthy();
    }
  });

  it('a redirect URI that is not registered exactly is refused on our own page, never redirected to', async () => {
    const { challenge } = pkce();
    const good = new URL(rp.callbackUri);
    const variants = [
      `${rp.callbackUri}/../evil`,
      `${rp.callbackUri}x`,
      `${rp.callbackUri}/`,
      `${rp.callbackUri}?next=https://evil.example`,
      `${rp.callbackUri}#frag`,
      `http://127.0.0.1:${Number(good.port) + 1}${good.pathname}`,
      `http://localhost:${good.port}${good.pathname}`,
      rp.callbackUri.toUpperCase(),
      'https://evil.example/callback',
      'javascript:alert(1)',
    ];
    for (const redirect of variants) {
      const res = await browser().get(authorizePath('third-party', redirect, challenge));
      expect({ redirect, status: res.res.status, location: res.res.headers.get('location') }).toEqual({ redirect, status: 400, location: null });
      expect(res.body).toContain('redirect_uri is not registered');
    }
    const doubled = await browser().get(`${authorizePath('third-party', rp.callbackUri, challenge)}&redirect_uri=${encodeURIComponent('https://evil.example/cb')}`);
    expect([doubled.res.status, doubled.res.headers.get('location')]).toEqual([400, null]);
    for (const client of ['nobody', '', 'x'.repeat(5000)]) {
      const res = await browser().get(authorizePath(client, rp.callbackUri, challenge));
      expect([res.res.status, res.res.headers.get('location')]).toEqual([400, null]);
    }
  });

  it('errors after the redirect URI is validated go back with error, state and iss (RFC 6749 §4.1.2.1)', async () => {
    const { challenge } = pkce();
    const cases: [Record<string, string | null>, string][] = [
      [{ response_type: 'token' }, 'unsupported_response_type'],
      [{ response_type: 'code id_token' }, 'unsupported_response_type'],
      [{ response_type: null }, 'invalid_request'],
      [{ code_challenge: null }, 'invalid_request'],
      [{ code_challenge_method: 'plain' }, 'invalid_request'],
      [{ code_challenge_method: null }, 'invalid_request'],
      [{ code_challenge: 'short' }, 'invalid_request'],
      [{ scope: 'openid gatehouse:admin' }, 'invalid_scope'],
      [{ scope: null }, 'invalid_scope'],
      [{ resource: 'inventory' }, 'invalid_target'],
      [{ prompt: 'none login' }, 'invalid_request'],
      [{ prompt: 'sometimes' }, 'invalid_request'],
      [{ max_age: '-1' }, 'invalid_request'],
      [{ request: 'eyJhbGciOiJub25lIn0.e30.' }, 'request_not_supported'],
      [{ request_uri: 'https://evil.example/req' }, 'request_uri_not_supported'],
      [{ response_mode: 'fragment' }, 'invalid_request'],
    ];
    for (const [overrides, error] of cases) {
      const res = await browser().get(authorizePath('third-party', rp.callbackUri, challenge, { state: 'keep-me', ...overrides }));
      const location = new URL(res.res.headers.get('location') ?? 'http://missing/');
      expect({ overrides, to: `${location.origin}${location.pathname}`, error: location.searchParams.get('error') }).toEqual({ overrides, to: rp.callbackUri, error });
      expect(location.searchParams.get('state')).toBe('keep-me');
      expect(location.searchParams.get('iss')).toBe(svc.config.ISSUER);
    }
    const twice = await browser().get(`${authorizePath('third-party', rp.callbackUri, challenge)}&scope=openid`);
    expect(new URL(twice.res.headers.get('location') ?? '').searchParams.get('error')).toBe('invalid_request');
  });

  it('CSRF: consent and login posts from another origin or without the token change nothing', async () => {
    const email = await user();
    const web = browser();
    await web.login(email, PASSWORD);
    const page = await web.get(authorizePath('third-party', rp.callbackUri, pkce().challenge));
    expect(page.res.status).toBe(200);
    const authz = /name="authz" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    const csrf = csrfIn(page.body);
    const crossSite = await web.post('/oauth/authorize/consent', { csrf, authz, decision: 'allow' }, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' });
    const noToken = await web.post('/oauth/authorize/consent', { authz, decision: 'allow' });
    const tampered = await web.post('/oauth/authorize/consent', { csrf, authz: authz.slice(0, -4) + 'AAAA', decision: 'allow' });
    expect([crossSite.res.status, noToken.res.status, tampered.res.status]).toEqual([403, 403, 400]);
    for (const r of [crossSite, noToken, tampered]) expect(r.res.headers.get('location')).toBeNull();
    const stillAsks = await web.get(authorizePath('third-party', rp.callbackUri, pkce().challenge, { prompt: 'none' }));
    expect(new URL(stillAsks.res.headers.get('location') ?? '').searchParams.get('error')).toBe('consent_required');
    const fresh = browser();
    const loginForm = await fresh.get((await fresh.get(authorizePath('third-party', rp.callbackUri, pkce().challenge))).res.headers.get('location') ?? '/login');
    const forged = await fresh.post('/login', { email, password: PASSWORD, csrf: 'forged', authz: /name="authz" value="([^"]+)"/.exec(loginForm.body)?.[1] ?? '' });
    expect(forged.res.status).toBe(403);
  });

  it('the login and consent pages let their form lead only to this site and the app (CSP form-action)', async () => {
    const web = browser();
    const toLogin = await web.get(authorizePath('third-party', rp.callbackUri, pkce().challenge));
    const login = await web.get(toLogin.res.headers.get('location') ?? '');
    expect(login.res.headers.get('content-security-policy')).toContain(`form-action 'self' ${rp.url};`);
    expect(login.res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const plain = await browser().get('/login');
    expect(plain.res.headers.get('content-security-policy')).toContain("form-action 'self';");
  });

  it('hostile input to the endpoint is a 4xx, never a 500', async () => {
    const bodies = ['client_id[]=x', `client_id=${'%FF'.repeat(50)}`, 'state=' + 'x'.repeat(20_000), '%', 'a=1&a=2&a=3'];
    for (const body of bodies) {
      const res = await fetch(`${svc.url}/oauth/authorize`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body, redirect: 'manual' });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
    const json = await fetch(`${svc.url}/oauth/authorize`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[1,2]', redirect: 'manual' });
    expect(json.status).toBeLessThan(500);
    const cont = await fetch(`${svc.url}/oauth/authorize/continue?authz=${'A'.repeat(100)}`, { redirect: 'manual' });
    expect(cont.status).toBe(400);
  });
});
