import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { UsersService } from '../app/users/users.service';
import { codeFor } from './factor-helpers';
import { freePort } from './oidc-helpers';
import { startAuthService, type TestAuthService } from './test-auth-app';

/**
 * Second factors in real Chromium (Debian's, driven by playwright-core): TOTP enrolment with codes
 * the test computes from the enrolled key, sign-in with it, replay refused, recovery codes once;
 * passkeys with a CDP virtual authenticator (CTAP2, internal, resident key, user verification):
 * register, sign in without a password, use as a second factor, remove; an admin without a factor
 * is sent to enrol. The service runs at http://localhost:<port> (the WebAuthn RP id must be a host
 * name; localhost is a secure context). Screenshots go to test-artifacts/web/.
 */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];
const ARTIFACTS = join(__dirname, '..', '..', '..', '..', 'test-artifacts', 'web');
const PASSWORD = 'browser-factor-1';
const runBrowser = existsSync(CHROMIUM) || Boolean(process.env['CI']);
if (!runBrowser) process.stderr.write(`factors-browser.spec: SKIPPED - ${CHROMIUM} not found (apt-get install -y chromium). In CI these tests always run.\n`);

(runBrowser ? describe : describe.skip)('second factors in Chromium', () => {
  jest.setTimeout(45_000);
  let svc: TestAuthService;
  let base: string;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const cspViolations: string[] = [];
  let n = 0;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const port = await freePort();
    base = `http://localhost:${port}`;
    svc = await startAuthService('factors_ui', { PORT: String(port), ISSUER: base, ADMIN_SECOND_FACTOR: 'true' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  });
  afterAll(async () => {
    await browser?.close();
    await svc?.dispose();
    expect(cspViolations).toEqual([]);
  });
  afterEach(async () => {
    for (const ctx of contexts.splice(0)) await ctx.close();
  });

  async function newPage(): Promise<Page> {
    const ctx = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    ctx.setDefaultTimeout(15_000);
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.on('console', (msg) => {
      if (/Content Security Policy|Refused to/i.test(msg.text())) cspViolations.push(msg.text());
    });
    return page;
  }
  async function newUser(admin = false): Promise<string> {
    const email = `ui-factor${++n}@example.com`;
    await svc.app.get(UsersService).register(email, PASSWORD, admin);
    return email;
  }
  async function passwordStep(page: Page, email: string): Promise<void> {
    await page.goto(`${base}/login`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
  }
  async function logOut(page: Page): Promise<void> {
    await page.getByRole('button', { name: 'Log out' }).first().click();
    await page.waitForURL(`${base}/login?notice=logged-out`);
  }
  async function virtualAuthenticator(page: Page): Promise<{ cdp: CDPSession; authenticatorId: string }> {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable', { enableUI: false });
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
    return { cdp, authenticatorId };
  }
  const amrOfLatestWebSession = async (email: string): Promise<string[]> => {
    const rows: { amr: string[] }[] = await svc.app
      .get(DataSource)
      .query(`SELECT s.amr FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = $1 AND s.kind = 'web' AND s.revoked_at IS NULL ORDER BY s.created_at DESC LIMIT 1`, [email]);
    return rows[0]?.amr ?? [];
  };

  it('enrols an authenticator app, signs in with its code, refuses the code again, and takes each recovery code once', async () => {
    const email = await newUser();
    const page = await newPage();
    await passwordStep(page, email);
    await page.waitForURL(`${base}/account`);
    await page.getByRole('link', { name: 'Sign-in security' }).click();
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    await page.waitForURL(`${base}/account/security/totp`);
    await expect(page.locator('figure.qr svg').count()).resolves.toBe(1);
    const secret = ((await page.locator('[data-totp-secret]').textContent()) ?? '').replace(/\s/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await page.screenshot({ path: join(ARTIFACTS, 'totp-setup.png'), fullPage: true });
    await page.getByLabel('The 6-digit code the app shows').fill(codeFor(secret));
    await page.getByRole('button', { name: 'Turn on' }).click();
    const codes = (await page.locator('[data-recovery-codes] code').allTextContents()).map((c) => c.trim());
    expect(codes).toHaveLength(10);
    await page.screenshot({ path: join(ARTIFACTS, 'recovery-codes.png'), fullPage: true });
    await page.getByRole('link', { name: 'Done' }).click();
    await page.screenshot({ path: join(ARTIFACTS, 'security.png'), fullPage: true });
    await logOut(page);

    // Password, then the code of the next step (this step's was used to enrol).
    const code = codeFor(secret, 1);
    await passwordStep(page, email);
    await page.waitForURL(`${base}/login/second-factor`);
    await page.screenshot({ path: join(ARTIFACTS, 'second-factor.png'), fullPage: true });
    await page.getByLabel('Code from your authenticator app').fill(code);
    await page.getByRole('button', { name: 'Continue' }).first().click();
    await page.waitForURL(`${base}/account`);
    expect(await amrOfLatestWebSession(email)).toEqual(['pwd', 'otp', 'mfa']);
    await logOut(page);

    await passwordStep(page, email);
    await page.getByLabel('Code from your authenticator app').fill(code);
    await page.getByRole('button', { name: 'Continue' }).first().click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('That code is not valid');
    expect(page.url()).toBe(`${base}/login/second-factor`);

    for (const attempt of ['first', 'again'] as const) {
      if (attempt === 'again') await passwordStep(page, email);
      await page.getByText('Use a recovery code').click();
      await page.getByLabel('Recovery code').fill(codes[0] ?? '');
      await page.locator('details').getByRole('button', { name: 'Continue' }).click();
      if (attempt === 'first') {
        await page.waitForURL(`${base}/account`);
        await logOut(page);
      } else {
        await expect(page.getByRole('alert').textContent()).resolves.toContain('not valid or was already used');
      }
    }
  });

  it('registers a passkey, signs in with it without a password, uses it after a password, and removes it', async () => {
    const email = await newUser();
    const page = await newPage();
    const { cdp, authenticatorId } = await virtualAuthenticator(page);
    await passwordStep(page, email);
    await page.waitForURL(`${base}/account`);
    await page.goto(`${base}/account/security`);
    await page.getByLabel('Name of this passkey').fill('Test laptop');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.waitForURL(`${base}/account/security?notice=passkey-added`);
    await expect(page.getByRole('row', { name: /Passkey: Test laptop/ }).count()).resolves.toBe(1);
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]?.isResidentCredential).toBe(true);
    // No recovery codes were made behind the user's back: the page offers them.
    await expect(page.getByText('You have no unused recovery codes').count()).resolves.toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, 'security-passkey.png'), fullPage: true });
    await page.getByRole('button', { name: 'Make recovery codes' }).click();
    await expect(page.locator('[data-recovery-codes] code').count()).resolves.toBe(10);
    await page.goto(`${base}/account/security`);
    await logOut(page);

    // No password: the discoverable credential names the user.
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.waitForURL(`${base}/account`);
    expect(await amrOfLatestWebSession(email)).toEqual(['hwk', 'user', 'mfa']);
    await logOut(page);

    // After a password, the passkey is the second factor.
    await passwordStep(page, email);
    await page.waitForURL(`${base}/login/second-factor`);
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.waitForURL(`${base}/account`);
    expect(await amrOfLatestWebSession(email)).toEqual(['pwd', 'hwk', 'user', 'mfa']);

    // The sign-in is fresh: the passkey can go; afterwards the authenticator's credential is refused.
    await page.goto(`${base}/account/security`);
    await page.getByRole('row', { name: /Passkey: Test laptop/ }).getByRole('button', { name: 'Remove' }).click();
    await page.waitForURL(`${base}/account/security?notice=factor-removed`);
    await expect(page.getByRole('row', { name: /Passkey/ }).count()).resolves.toBe(0);
    await logOut(page);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.locator('[data-passkey-status]', { hasText: 'could not be verified' }).waitFor();
    expect(page.url()).toBe(`${base}/login?notice=logged-out`);
  });

  it('sends an administrator without a second factor to enrol, and lets them into /admin once they have', async () => {
    const email = await newUser(true);
    const page = await newPage();
    await virtualAuthenticator(page);
    await passwordStep(page, email);
    await page.waitForURL(`${base}/account/security?notice=admin-enrol`);
    await expect(page.getByRole('status').first().textContent()).resolves.toContain('Administrators need a second factor');
    await page.screenshot({ path: join(ARTIFACTS, 'admin-enrol.png'), fullPage: true });
    await page.goto(`${base}/admin`);
    await page.waitForURL(`${base}/account/security?notice=admin-enrol`);
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.waitForURL(`${base}/account/security?notice=passkey-added`);
    await page.goto(`${base}/admin`);
    expect(page.url()).toBe(`${base}/admin`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBeTruthy();
  });
});
