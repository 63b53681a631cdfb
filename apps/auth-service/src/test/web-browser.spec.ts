import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { UsersService } from '../app/users/users.service';
import { testStream, until, type TestStream } from './stream-helpers';
import { postForm, postJson, startAuthService, type TestAuthService } from './test-auth-app';
import { WebClient } from './web-helpers';
import { startResourceServerFor } from './web-resource-server';

/**
 * The dashboard in real Chromium (Debian's, driven by playwright-core; never a downloaded browser).
 * Skipped only where Chromium is missing outside CI; .ci/run installs it, so CI always runs these.
 */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];
const ARTIFACTS = join(__dirname, '..', '..', '..', '..', 'test-artifacts', 'web');
const PASSWORD = 'browser-password-1';
const runBrowser = existsSync(CHROMIUM) || Boolean(process.env['CI']);
if (!runBrowser) {
  process.stderr.write(`web-browser.spec: SKIPPED - ${CHROMIUM} not found (install it with: apt-get install -y chromium). In CI these tests always run.\n`);
}

(runBrowser ? describe : describe.skip)('web dashboard in Chromium', () => {
  jest.setTimeout(30_000);
  let stream: TestStream;
  let svc: TestAuthService;
  let resource: { url: string; close(): Promise<void> };
  let attacker: Server;
  let attackerPort: number;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const cspViolations: string[] = [];
  let n = 0;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    stream = await testStream('webui');
    svc = await startAuthService('webui', stream.env);
    resource = await startResourceServerFor(svc, stream);
    // The attacker: a page on another origin that posts a form to auth-service as soon as it loads.
    attacker = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(`<!doctype html><title>Win a prize</title>
        <form id="f" method="post" action="${svc.url}/account/logout-all"><input type="hidden" name="csrf" value="guessed"></form>
        <script>document.getElementById('f').submit()</script>`);
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    attackerPort = (attacker.address() as AddressInfo).port;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (attacker ? attacker.close(() => resolve()) : resolve()));
    await resource?.close();
    await svc?.dispose();
    await stream?.close();
  });

  afterEach(async () => {
    for (const ctx of contexts.splice(0)) await ctx.close();
  });

  afterAll(() => {
    expect(cspViolations).toEqual([]);
  });

  async function newPage(): Promise<{ ctx: BrowserContext; page: Page }> {
    const ctx = await browser.newContext({ viewport: { width: 1100, height: 760 } });
    // Fail fast with Playwright's own message rather than jest's generic timeout.
    ctx.setDefaultTimeout(15_000);
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.on('console', (msg) => {
      if (/Content Security Policy|Refused to/i.test(msg.text())) cspViolations.push(msg.text());
    });
    return { ctx, page };
  }
  async function newUser(admin = false, prefix = 'user'): Promise<string> {
    const email = `${prefix}${++n}@example.com`;
    await svc.app.get(UsersService).register(email, PASSWORD, admin);
    return email;
  }
  async function logIn(page: Page, email: string, base = svc.url): Promise<void> {
    await page.goto(`${base}/login`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${base}/account`);
  }
  const sessionCookie = async (ctx: BrowserContext) => (await ctx.cookies()).find((c) => c.name === '__Host-gh_session');

  it('log in with the keyboard, see this browser and an API login, end the API one: refresh and access token die', async () => {
    const email = await newUser();
    const { page } = await newPage();
    await page.goto(`${svc.url}/login`);
    expect(await page.evaluate("getComputedStyle(document.querySelector('header.top')).backgroundColor")).toBe('rgb(23, 32, 46)');
    await page.screenshot({ path: join(ARTIFACTS, 'login.png'), fullPage: true });
    // Email is focused on load; Tab moves to the password, Enter submits: no mouse, no JavaScript.
    await page.keyboard.type(email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${svc.url}/account`);

    const api = await postJson(`${svc.url}/auth/login`, { email, password: PASSWORD }, { 'user-agent': 'orders-cli/2.1' });
    const access = String(api.body['access_token']);
    const refresh = String(api.body['refresh_token']);
    const me = () => fetch(`${resource.url}/me`, { headers: { authorization: `Bearer ${access}` } }).then((r) => r.status);
    expect(await me()).toBe(200);

    await page.reload();
    const rows = page.locator('table tbody tr');
    await expect(rows.count()).resolves.toBe(2);
    const mine = page.getByRole('row', { name: /This device/ });
    await expect(mine.textContent()).resolves.toMatch(/Browser/);
    const apiRow = page.getByRole('row', { name: /orders-cli\/2\.1/ });
    await expect(apiRow.textContent()).resolves.toMatch(/API \(gatehouse\)/);
    await page.screenshot({ path: join(ARTIFACTS, 'account.png'), fullPage: true });

    await apiRow.getByRole('button', { name: /End session/ }).click();
    await page.waitForURL(`${svc.url}/account?notice=session-ended`);
    await expect(page.getByRole('status').textContent()).resolves.toContain('The session has been ended.');
    await expect(rows.count()).resolves.toBe(1);
    expect((await postForm(`${svc.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: refresh })).body['error']).toBe('invalid_grant');
    // The resource server learns of it from the JetStream event, not by asking auth-service.
    await until(me, (status) => status === 401, 5000);
  });

  it('the session cookie in the browser is exactly as DESIGN.md says, and scripts cannot read it', async () => {
    const { ctx, page } = await newPage();
    await logIn(page, await newUser());
    const cookies = await ctx.cookies();
    expect(cookies.map((c) => c.name)).toEqual(['__Host-gh_session']); // the pre-login cookie is gone
    const cookie = await sessionCookie(ctx);
    expect(cookie).toMatchObject({ name: '__Host-gh_session', domain: '127.0.0.1', path: '/', secure: true, httpOnly: true, sameSite: 'Lax', expires: -1 });
    expect(cookie?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await page.evaluate('document.cookie')).toBe('');
  });

  it('"Log out everywhere" in browser A: browser B\'s next page load lands on /login', async () => {
    const email = await newUser();
    const a = await newPage();
    const b = await newPage();
    await logIn(a.page, email);
    await logIn(b.page, email);
    expect((await sessionCookie(a.ctx))?.value).not.toBe((await sessionCookie(b.ctx))?.value);
    await a.page.getByRole('button', { name: 'Log out everywhere' }).click();
    await a.page.waitForURL(`${svc.url}/login?notice=everywhere`);
    await b.page.goto(`${svc.url}/account`);
    expect(b.page.url()).toBe(`${svc.url}/login`);
    await expect(b.page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Log in');
    expect(await sessionCookie(b.ctx)).toBeUndefined();
  });

  it('a form posted from another origin is refused and changes nothing', async () => {
    const email = await newUser();
    const { ctx, page } = await newPage();
    await logIn(page, email);
    const before = (await sessionCookie(ctx))?.value;
    // 127.0.0.1 on another port is same-site (the Lax cookie is sent); localhost is cross-site.
    for (const origin of [`http://127.0.0.1:${attackerPort}`, `http://localhost:${attackerPort}`]) {
      const [response] = await Promise.all([page.waitForResponse(`${svc.url}/account/logout-all`), page.goto(origin)]);
      expect(response.status()).toBe(403);
      await page.waitForURL(`${svc.url}/account/logout-all`);
      await expect(page.getByRole('alert').textContent()).resolves.toContain('not sent from this site');
    }
    await page.goto(`${svc.url}/account`);
    expect(page.url()).toBe(`${svc.url}/account`);
    expect((await sessionCookie(ctx))?.value).toBe(before);
  });

  it('a forged CSRF token on a same-origin form is refused and changes nothing', async () => {
    const { ctx, page } = await newPage();
    await logIn(page, await newUser());
    await page.locator('form[action="/account/logout-all"] input[name="csrf"]').evaluate((el) => el.setAttribute('value', 'forged-token'));
    const [response] = await Promise.all([page.waitForResponse(`${svc.url}/account/logout-all`), page.getByRole('button', { name: 'Log out everywhere' }).click()]);
    expect(response.status()).toBe(403);
    await page.goto(`${svc.url}/account`);
    expect(page.url()).toBe(`${svc.url}/account`);
    expect(await sessionCookie(ctx)).toBeDefined();
  });

  it('after logout, replaying the old cookie with a plain HTTP client gets no access', async () => {
    const { ctx, page } = await newPage();
    await logIn(page, await newUser());
    const old = (await sessionCookie(ctx))?.value as string;
    await page.getByRole('button', { name: 'Log out' }).first().click();
    await page.waitForURL(`${svc.url}/login?notice=logged-out`);
    expect(await sessionCookie(ctx)).toBeUndefined();
    const replay = new WebClient(svc.url);
    replay.jar.set('__Host-gh_session', old);
    const res = await replay.get('/account');
    expect(res.res.status).toBe(303);
    expect(res.res.headers.get('location')).toBe('/login');
    expect(res.body).toBe('');
  });

  // Idle 4 s against activity every ~1 s: a page load may take seconds on the loaded 2-core machine
  // without the session idling out between two of them. The service start (its own database,
  // migrations) and two bcrypt rounds get their own, larger budget.
  it('the idle timeout (shortened by config) logs the user out; activity keeps the session alive', async () => {
    const idle = await startAuthService('webidle', { WEB_SESSION_IDLE: '4' });
    try {
      await idle.app.get(UsersService).register('idle@example.com', PASSWORD);
      const { page } = await newPage();
      await logIn(page, 'idle@example.com', idle.url);
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, 1000));
        await page.goto(`${idle.url}/account`);
        expect(page.url()).toBe(`${idle.url}/account`);
      }
      await new Promise((r) => setTimeout(r, 5000));
      await page.goto(`${idle.url}/account`);
      expect(page.url()).toBe(`${idle.url}/login`);
    } finally {
      await idle.dispose();
    }
  }, 90_000);

  it('admin: /admin lists users, creates a client whose secret is shown once, audit log; screenshots', async () => {
    await newUser(false, 'ada');
    const { page } = await newPage();
    await logIn(page, await newUser(true, 'admin'));
    await page.getByRole('link', { name: 'Admin', exact: true }).click();
    await page.waitForURL(`${svc.url}/admin`);
    await page.getByLabel('Client id').fill('reports');
    await page.getByLabel('orders').check();
    await page.getByLabel('Scopes').fill('orders:read');
    await page.getByRole('button', { name: 'Create client' }).click();
    const secret = await page.getByLabel('Client secret').inputValue();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const token = await postForm(`${svc.url}/oauth/token`, { grant_type: 'client_credentials', client_id: 'reports', client_secret: secret, audience: 'orders' });
    expect(token.status).toBe(200);
    await page.goto(`${svc.url}/admin`);
    expect(await page.content()).not.toContain(secret);
    await page.screenshot({ path: join(ARTIFACTS, 'admin.png'), fullPage: true });
    await page.getByRole('link', { name: 'Audit log' }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Audit log');
    await page.screenshot({ path: join(ARTIFACTS, 'audit.png'), fullPage: true });
  });
});
