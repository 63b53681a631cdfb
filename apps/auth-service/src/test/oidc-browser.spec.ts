import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { jwtVerify, createRemoteJWKSet } from 'jose';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ClientsService } from '../app/clients/clients.service';
import { UsersService } from '../app/users/users.service';
import { freePort, registerApp, startRelyingParty, type TestRelyingParty } from './oidc-helpers';
import { until } from './stream-helpers';
import { startAuthService, type TestAuthService } from './test-auth-app';

/**
 * The code flow as a real app runs it: openid-client 6 (a certified relying-party library) builds
 * the request and validates the answer (state, iss, PKCE, ID token), Debian's Chromium signs in and
 * consents. Then userinfo, refresh, RP-initiated logout and the back-channel logout token.
 */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];
const ARTIFACTS = join(__dirname, '..', '..', '..', '..', 'test-artifacts', 'web');
const PASSWORD = 'oidc-browser-password-1';
const runBrowser = existsSync(CHROMIUM) || Boolean(process.env['CI']);
if (!runBrowser) process.stderr.write(`oidc-browser.spec: SKIPPED - ${CHROMIUM} not found (apt-get install -y chromium). In CI these tests always run.\n`);

(runBrowser ? describe : describe.skip)('OpenID Connect code flow with openid-client in Chromium', () => {
  jest.setTimeout(60_000);
  let svc: TestAuthService;
  let rp: TestRelyingParty;
  let browser: Browser;
  let webSecret: string;
  const cspViolations: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    // openid-client checks that the issuer is the URL it discovered: the service must know its port.
    const port = await freePort();
    svc = await startAuthService('oidc_browser', { PORT: String(port), ISSUER: `http://127.0.0.1:${port}` });
    rp = await startRelyingParty();
    await registerApp(svc, rp, 'browser-spa', { name: 'Browser SPA', tokenEndpointAuthMethod: 'none' });
    webSecret = (await registerApp(svc, rp, 'browser-web', { name: 'Browser Web', firstParty: true })) ?? '';
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  });
  afterAll(async () => {
    await browser?.close();
    await rp?.close();
    await svc?.dispose();
    expect(cspViolations).toEqual([]);
  });

  async function newPage(): Promise<Page> {
    const ctx = await browser.newContext({ viewport: { width: 1000, height: 760 } });
    ctx.setDefaultTimeout(20_000);
    const page = await ctx.newPage();
    page.on('console', (msg) => {
      if (/Content Security Policy|Refused to/i.test(msg.text())) cspViolations.push(msg.text());
    });
    return page;
  }

  async function configFor(clientId: string, secret?: string): Promise<oidc.Configuration> {
    const auth = secret ? oidc.ClientSecretBasic(secret) : oidc.None();
    return oidc.discovery(new URL(svc.config.ISSUER), clientId, undefined, auth, { execute: [oidc.allowInsecureRequests] });
  }

  /** Runs the browser part: sign in (and consent if asked); returns the URL the app was called back at. */
  async function signInInBrowser(page: Page, url: URL, email: string, consent: boolean): Promise<URL> {
    await page.goto(url.href);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    if (consent) {
      await page.getByRole('heading', { name: /Allow Browser SPA/ }).waitFor();
      await page.screenshot({ path: join(ARTIFACTS, 'consent.png'), fullPage: true });
      await page.getByRole('button', { name: 'Allow' }).click();
    }
    await page.waitForURL((u) => u.href.startsWith(rp.callbackUri));
    return new URL(page.url());
  }

  it('SPA (public client, PKCE): sign in, consent, tokens validated by openid-client, userinfo, refresh, logout', async () => {
    const email = 'spa-user@example.com';
    await svc.app.get(UsersService).register(email, PASSWORD);
    const config = await configFor('browser-spa');
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: rp.callbackUri,
      scope: 'openid email offline_access orders:read',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    const page = await newPage();
    const callback = await signInInBrowser(page, url, email, true);
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
    const claims = tokens.claims();
    expect(claims).toMatchObject({ iss: svc.config.ISSUER, aud: 'browser-spa', email, nonce });
    expect(tokens.refresh_token).toBeTruthy();
    const info = await oidc.fetchUserInfo(config, tokens.access_token, claims?.sub ?? '');
    expect(info).toMatchObject({ sub: claims?.sub, email });
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token ?? '');
    expect(refreshed.access_token).not.toBe(tokens.access_token);

    // The account page lists the app under "Connected apps".
    await page.goto(`${svc.url}/account`);
    await page.getByRole('heading', { name: 'Connected apps' }).waitFor();
    expect(await page.getByRole('cell', { name: 'Browser SPA', exact: true }).count()).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, 'account-connected-apps.png'), fullPage: true });

    // RP-initiated logout: back to the app with state; the back-channel token names the session.
    const before = rp.logoutTokens.length;
    await page.goto(oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token ?? '', post_logout_redirect_uri: rp.logoutUri, state: 'bye' }).href);
    await page.waitForURL(`${rp.logoutUri}?state=bye`);
    await until(async () => rp.logoutTokens.length, (len) => len > before, 10_000);
    const jwks = createRemoteJWKSet(new URL(`${svc.url}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(rp.logoutTokens[before] ?? '', jwks, { issuer: svc.config.ISSUER, audience: 'browser-spa', typ: 'logout+jwt' });
    expect(payload['sid']).toBe(claims?.['sid']);
    await expect(oidc.refreshTokenGrant(config, refreshed.refresh_token ?? '')).rejects.toThrow();
    await page.goto(`${svc.url}/account`);
    await page.waitForURL(`${svc.url}/login`);
  });

  it('server-rendered web app (confidential, first-party): no consent screen, client_secret_basic', async () => {
    const email = 'web-user@example.com';
    await svc.app.get(UsersService).register(email, PASSWORD);
    const config = await configFor('browser-web', webSecret);
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: rp.callbackUri, scope: 'openid orders:read', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state });
    const callback = await signInInBrowser(await newPage(), url, email, false);
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, idTokenExpected: true });
    expect(tokens.claims()?.['email']).toBeUndefined();
    expect(tokens.refresh_token).toBeTruthy();
  });

  it('admin registers a public app on /admin and edits its redirect URIs', async () => {
    await svc.app.get(UsersService).register('oidc-admin@example.com', PASSWORD, true);
    const page = await newPage();
    await page.goto(`${svc.url}/login`);
    await page.getByLabel('Email').fill('oidc-admin@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.goto(`${svc.url}/admin`);
    await page.getByLabel('Client id').fill('form-spa');
    await page.getByLabel('Kind').selectOption('public');
    await page.getByLabel('Scopes').fill('openid email');
    await page.getByLabel('Redirect URIs (apps)').fill('https://spa.example.com/callback');
    await page.getByRole('button', { name: 'Create client' }).click();
    await page.getByText('Public client form-spa registered').waitFor();
    await page.getByRole('link', { name: 'Edit form-spa' }).click();
    await page.getByLabel('Redirect URIs (apps)').fill('https://spa.example.com/callback\nhttp://*.example.com/cb');
    await page.getByRole('button', { name: 'Save client' }).click();
    await page.getByRole('alert').getByText(/redirect_uris/).waitFor();
    await page.getByLabel('Redirect URIs (apps)').fill('https://spa.example.com/callback\nhttp://127.0.0.1:8123/cb');
    await page.getByRole('button', { name: 'Save client' }).click();
    await page.waitForURL(`${svc.url}/admin?notice=client-updated`);
    await page.screenshot({ path: join(ARTIFACTS, 'admin-clients.png'), fullPage: true });
    const saved = await svc.app.get(ClientsService).find('form-spa');
    expect(saved).toMatchObject({ tokenEndpointAuthMethod: 'none', redirectUris: ['https://spa.example.com/callback', 'http://127.0.0.1:8123/cb'], secretHash: null });
  });
});
