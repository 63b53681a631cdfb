import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { DataSource } from 'typeorm';
import { UsersService } from '../app/users/users.service';
import { testStream, until, type TestStream } from './stream-helpers';
import { postForm, postJson, startAuthService, type TestAuthService } from './test-auth-app';
import { WebClient } from './web-helpers';
import { startResourceServerFor } from './web-resource-server';

const PASSWORD = 'web-deletion-pass';
const CHROMIUM = '/usr/bin/chromium';
const runBrowser = existsSync(CHROMIUM) || Boolean(process.env['CI']);
if (!runBrowser) process.stderr.write(`web-account-deletion.spec: browser test SKIPPED - ${CHROMIUM} not found. In CI it always runs.\n`);

describe('account deletion on the dashboard (/account and /admin)', () => {
  jest.setTimeout(30_000);
  let stream: TestStream;
  let svc: TestAuthService;
  let ds: DataSource;
  let resource: { url: string; close(): Promise<void> };
  let n = 0;

  beforeAll(async () => {
    stream = await testStream('webdel');
    svc = await startAuthService('webdel', stream.env);
    ds = svc.app.get(DataSource);
    resource = await startResourceServerFor(svc, stream);
  });
  afterAll(async () => {
    await resource.close();
    await svc.dispose();
    await stream.close();
  });

  async function newUser(admin = false): Promise<{ email: string; id: string }> {
    const email = `wd${++n}@example.com`;
    const user = await svc.app.get(UsersService).register(email, PASSWORD, admin);
    return { email, id: user.id };
  }
  async function apiToken(email: string): Promise<{ access: string; refresh: string }> {
    const res = await postJson(`${svc.url}/auth/login`, { email, password: PASSWORD });
    return { access: String(res.body['access_token']), refresh: String(res.body['refresh_token']) };
  }
  const atResource = (token: string) => fetch(`${resource.url}/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
  const userCount = async (id: string) => Number(((await ds.query('SELECT count(*) AS n FROM users WHERE id = $1', [id])) as { n: string }[])[0]?.n);

  it('/account: refused without the CSRF token, the box or the right password; then the account and every session go', async () => {
    const u = await newUser();
    const api = await apiToken(u.email);
    const web = new WebClient(svc.url);
    const csrf = await web.login(u.email, PASSWORD);
    expect((await web.post('/account/delete', { password: PASSWORD, confirm: 'yes' })).res.status).toBe(403);
    expect((await web.post('/account/delete', { csrf, password: PASSWORD, confirm: 'yes' }, { origin: 'https://evil.example' })).res.status).toBe(403);
    const unticked = await web.post('/account/delete', { csrf, password: PASSWORD });
    expect(unticked.res.status).toBe(400);
    expect(unticked.body).toContain('Tick the box');
    const wrong = await web.post('/account/delete', { csrf, password: 'not-the-password', confirm: 'yes' });
    expect(wrong.res.status).toBe(401);
    expect(wrong.body).toContain('The password is not correct.');
    expect(await userCount(u.id)).toBe(1);
    expect(await atResource(api.access)).toBe(200);

    const done = await web.post('/account/delete', { csrf, password: PASSWORD, confirm: 'yes' });
    expect(done.res.status).toBe(303);
    expect(done.res.headers.get('location')).toBe('/login?notice=account-deleted');
    expect(web.jar.get('__Host-gh_session')).toBeUndefined();
    expect(await userCount(u.id)).toBe(0);
    await until(() => atResource(api.access), (s) => s === 401, 5000);
    expect((await postForm(`${svc.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: api.refresh })).body['error']).toBe('invalid_grant');
    expect((await web.get('/login?notice=account-deleted')).body).toContain('Your account has been deleted');
  });

  it('/admin: delete needs the box; not one\'s own account; the user and their tokens go', async () => {
    const admin = await newUser(true);
    const victim = await newUser();
    const api = await apiToken(victim.email);
    const web = new WebClient(svc.url);
    const csrf = await web.login(admin.email, PASSWORD);
    expect((await web.get('/admin')).body).toContain(`/admin/actions/users/${victim.id}/delete`);
    expect((await web.post(`/admin/actions/users/${victim.id}/delete`, { confirm: 'yes' })).res.status).toBe(403);
    expect((await web.post(`/admin/actions/users/${victim.id}/delete`, { csrf })).res.status).toBe(400);
    expect((await web.post(`/admin/actions/users/${admin.id}/delete`, { csrf, confirm: 'yes' })).res.status).toBe(400);
    expect((await web.post('/admin/actions/users/00000000-0000-4000-8000-000000000000/delete', { csrf, confirm: 'yes' })).res.status).toBe(404);
    expect(await userCount(victim.id)).toBe(1);
    const done = await web.post(`/admin/actions/users/${victim.id}/delete`, { csrf, confirm: 'yes' });
    expect(done.res.headers.get('location')).toBe('/admin?notice=user-deleted');
    expect(await userCount(victim.id)).toBe(0);
    await until(() => atResource(api.access), (s) => s === 401, 5000);
    expect((await web.get('/admin')).body).not.toContain(victim.email);
  });

  (runBrowser ? it : it.skip)('in Chromium: type the password, tick the box, delete; the API token dies and the e-mail can register again', async () => {
    const u = await newUser();
    const api = await apiToken(u.email);
    let browser: Browser | null = null;
    try {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'], headless: true });
      const page = await (await browser.newContext()).newPage();
      await page.goto(`${svc.url}/login`);
      await page.getByLabel('Email').fill(u.email);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.waitForURL(`${svc.url}/account`);
      const section = page.getByRole('region', { name: 'Delete account' });
      await section.getByLabel('Password (to confirm)').fill(PASSWORD);
      // The browser itself refuses to submit without the box ticked (required).
      const box = section.getByLabel('Delete my account for good');
      await expect(box.evaluate((el) => (el as unknown as { validity: { valueMissing: boolean } }).validity.valueMissing)).resolves.toBe(true);
      await box.check();
      await section.getByRole('button', { name: 'Delete account' }).click();
      await page.waitForURL(`${svc.url}/login?notice=account-deleted`);
      await expect(page.getByRole('status').textContent()).resolves.toContain('Your account has been deleted');
      await until(() => atResource(api.access), (s) => s === 401, 5000);
      await page.goto(`${svc.url}/account`);
      expect(page.url()).toBe(`${svc.url}/login`);
      expect((await postJson(`${svc.url}/auth/register`, { email: u.email, password: 'another-password' })).status).toBe(201);
    } finally {
      await browser?.close();
    }
  });
});
