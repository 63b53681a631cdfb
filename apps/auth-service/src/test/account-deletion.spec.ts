import { DataSource } from 'typeorm';
import { UsersService } from '../app/users/users.service';
import { testStream, until, type TestStream } from './stream-helpers';
import { postForm, postJson, startAuthService, type TestAuthService } from './test-auth-app';
import { startResourceServerFor } from './web-resource-server';

const PASSWORD = 'deletion-pass-1';

describe('account deletion (API and admin API)', () => {
  let ts: TestStream;
  let svc: TestAuthService;
  let ds: DataSource;
  let resource: { url: string; close(): Promise<void> };
  let n = 0;

  beforeAll(async () => {
    ts = await testStream('deletion');
    svc = await startAuthService('deletion', { ...ts.env, LOGIN_MAX_FAILURES: '3' });
    ds = svc.app.get(DataSource);
    resource = await startResourceServerFor(svc, ts);
  });
  afterAll(async () => {
    await resource.close();
    await svc.dispose();
    await ts.close();
  });

  async function account(admin = false): Promise<{ email: string; sub: string; access: string; refresh: string }> {
    const email = `d${++n}@example.com`;
    await svc.app.get(UsersService).register(email, PASSWORD, admin);
    return { email, ...(await login(email)) };
  }
  async function login(email: string): Promise<{ sub: string; access: string; refresh: string }> {
    const res = await postJson(`${svc.url}/auth/login`, { email, password: PASSWORD }, { 'user-agent': 'deletion-test/1.0' });
    expect(res.status).toBe(200);
    const access = String(res.body['access_token']);
    const { sub } = JSON.parse(Buffer.from(access.split('.')[1] ?? '', 'base64url').toString()) as { sub: string };
    return { sub, access, refresh: String(res.body['refresh_token']) };
  }
  const call = (method: string, path: string, token: string, body?: unknown) =>
    fetch(`${svc.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const atResource = (token: string) => fetch(`${resource.url}/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
  const rowsOf = async (sql: string, params: unknown[]) => Number(((await ds.query(sql, params)) as { n: string }[])[0]?.n);

  /** Every trace of the user is gone but the audit log's id-only rows. */
  async function expectErased(u: { email: string; sub: string }): Promise<void> {
    expect(await rowsOf('SELECT count(*) AS n FROM users WHERE id = $1 OR email = $2', [u.sub, u.email])).toBe(0);
    expect(await rowsOf('SELECT count(*) AS n FROM sessions WHERE user_id = $1', [u.sub])).toBe(0);
    expect(await rowsOf('SELECT count(*) AS n FROM refresh_tokens WHERE user_id = $1', [u.sub])).toBe(0);
    expect(await rowsOf(`SELECT count(*) AS n FROM login_throttle WHERE key LIKE '%' || $1`, [u.email])).toBe(0);
    expect(await rowsOf('SELECT count(*) AS n FROM audit_log WHERE user_id = $1 AND ip IS NOT NULL', [u.sub])).toBe(0);
    expect(await rowsOf(`SELECT count(*) AS n FROM audit_log WHERE details::text LIKE '%' || $1 || '%'`, [u.email])).toBe(0);
    expect(await rowsOf(`SELECT count(*) AS n FROM audit_log WHERE user_id = $1 AND event = 'account_deleted'`, [u.sub])).toBe(1);
  }

  it('DELETE /auth/account: the password again; then every token is refused at once, the e-mail is free, the data gone', async () => {
    const u = await account();
    const second = await login(u.email);
    // A wrong login leaves a throttle row keyed by the e-mail: personal data that must go too.
    expect((await postJson(`${svc.url}/auth/login`, { email: u.email, password: 'wrong-password' })).status).toBe(401);
    expect(await atResource(u.access)).toBe(200);

    expect((await call('DELETE', '/auth/account', u.access)).status).toBe(400);
    expect((await call('DELETE', '/auth/account', u.access, { password: PASSWORD, extra: 1 })).status).toBe(400);
    expect((await call('DELETE', '/auth/account', u.access, [PASSWORD])).status).toBe(400);
    const wrong = await call('DELETE', '/auth/account', u.access, { password: 'not-my-password' });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { code: string }).code).toBe('AUTH_INVALID_CREDENTIALS');
    expect((await call('DELETE', '/auth/account', 'not-a-token', { password: PASSWORD })).status).toBe(401);
    expect(await atResource(u.access)).toBe(200);

    const started = Date.now();
    expect((await call('DELETE', '/auth/account', u.access, { password: PASSWORD })).status).toBe(204);
    // Both sessions' access tokens, at a resource server that only hears the JetStream event.
    await until(() => atResource(u.access), (s) => s === 401, 5000);
    await until(() => atResource(second.access), (s) => s === 401, 5000);
    expect(Date.now() - started).toBeLessThan(5000);
    for (const token of [u.refresh, second.refresh]) {
      expect((await postForm(`${svc.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: token })).body['error']).toBe('invalid_grant');
    }
    expect((await call('GET', '/auth/sessions', second.access)).status).toBe(401);
    const events = (await ts.messages()).filter((m) => m.subject === `${ts.prefix}.revoked.subject` && m.data['sub'] === u.sub);
    expect(events).toHaveLength(1);
    await expectErased(u);
    expect((await postJson(`${svc.url}/auth/login`, { email: u.email, password: PASSWORD })).status).toBe(401);
    // The address is free again, for a new account with a new id.
    const again = await postJson(`${svc.url}/auth/register`, { email: u.email, password: 'a-new-password' });
    expect(again.status).toBe(201);
    expect(again.body['id']).not.toBe(u.sub);
  });

  it('wrong passwords are throttled like logins', async () => {
    const u = await account();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await call('DELETE', '/auth/account', u.access, { password: `guess-${i}-guess` })).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    const locked = await call('DELETE', '/auth/account', u.access, { password: PASSWORD });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await atResource(u.access)).toBe(200);
  });

  it('admin API: DELETE /admin/users/:id for admins only; the last enabled admin cannot be deleted, by anyone', async () => {
    const victim = await account();
    const plain = await account();
    expect((await call('DELETE', `/admin/users/${victim.sub}`, plain.access)).status).toBe(403);
    const admin = await account(true);
    expect((await call('DELETE', '/admin/users/not-a-uuid', admin.access)).status).toBe(400);
    expect((await call('DELETE', '/admin/users/00000000-0000-4000-8000-000000000000', admin.access)).status).toBe(404);
    expect((await call('DELETE', `/admin/users/${victim.sub}`, admin.access)).status).toBe(204);
    await until(() => atResource(victim.access), (s) => s === 401, 5000);
    await expectErased(victim);
    const audit = (await ds.query(`SELECT user_id, details FROM audit_log WHERE event = 'admin_action' AND details->>'action' = 'delete_user'`)) as { user_id: string; details: { target: string } }[];
    expect(audit).toEqual([expect.objectContaining({ user_id: admin.sub, details: expect.objectContaining({ target: victim.sub, channel: 'api' }) })]);
    expect((await call('DELETE', `/admin/users/${victim.sub}`, admin.access)).status).toBe(404);

    // Every other admin of this database is disabled: `admin` is the last enabled one.
    await ds.query(`UPDATE users SET disabled_at = now() WHERE 'gatehouse:admin' = ANY(scopes) AND id <> $1`, [admin.sub]);
    const last = await call('DELETE', `/admin/users/${admin.sub}`, admin.access);
    expect(last.status).toBe(409);
    expect(((await last.json()) as { code: string }).code).toBe('ACCOUNT_LAST_ADMIN');
    expect((await call('DELETE', '/auth/account', admin.access, { password: PASSWORD })).status).toBe(409);
    expect(await atResource(admin.access)).toBe(200);

    // With a second enabled admin, either may go, but not both at once.
    const other = await account(true);
    const both = await Promise.all([
      call('DELETE', `/admin/users/${other.sub}`, admin.access),
      call('DELETE', `/admin/users/${admin.sub}`, other.access),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual([204, 409]);
    expect(await rowsOf(`SELECT count(*) AS n FROM users WHERE 'gatehouse:admin' = ANY(scopes) AND disabled_at IS NULL`, [])).toBe(1);
  });
});
