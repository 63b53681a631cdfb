import { DataSource } from 'typeorm';
import { ClientsService } from '../app/clients/clients.service';
import { UsersService } from '../app/users/users.service';
import { testStream, until, type TestStream } from './stream-helpers';
import { basic, postForm, postJson, startAuthService, type TestAuthService } from './test-auth-app';

describe('revocation, introspection, password change and admin disable', () => {
  let ts: TestStream;
  let svc: TestAuthService;
  let rsAuth: string;
  let n = 0;

  beforeAll(async () => {
    ts = await testStream('revocation');
    svc = await startAuthService('revocation', ts.env);
    const clientSecret = (await svc.app.get(ClientsService).register({ id: 'resource-server', audiences: ['orders'], scopes: [] })).clientSecret ?? '';
    rsAuth = basic('resource-server', clientSecret);
    await svc.app.get(UsersService).register('root@example.com', 'admin-password', true);
  });
  afterAll(async () => {
    await svc.dispose();
    await ts.close();
  });

  async function login(email?: string): Promise<{ email: string; access: string; refresh: string; sid: string; sub: string }> {
    const who = email ?? `v${++n}@example.com`;
    if (!email) await postJson(`${svc.url}/auth/register`, { email: who, password: 'revocation-pass' });
    const res = await postJson(`${svc.url}/auth/login`, { email: who, password: email === 'root@example.com' ? 'admin-password' : 'revocation-pass' });
    const access = String(res.body['access_token']);
    const claims = JSON.parse(Buffer.from(access.split('.')[1]!, 'base64url').toString()) as { sid: string; sub: string };
    return { email: who, access, refresh: String(res.body['refresh_token']), ...claims };
  }
  const introspect = (token: string, auth = rsAuth) => postForm(`${svc.url}/oauth/introspect`, { token }, { authorization: auth });
  const refresh = (token: string) => postForm(`${svc.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: token });
  const bearer = (method: string, path: string, token: string, body?: unknown) =>
    fetch(`${svc.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
  const eventsFor = async (subject: string, key: string, value: string) =>
    (await ts.messages()).filter((m) => m.subject === `${ts.prefix}.${subject}` && m.data[key] === value);

  it('introspection: active tokens describe themselves; only authenticated clients may ask', async () => {
    const u = await login();
    const res = await introspect(u.access);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ active: true, token_type: 'Bearer', sub: u.sub, sid: u.sid, client_id: 'gatehouse', scope: 'orders:read orders:write' });
    expect((await postForm(`${svc.url}/oauth/introspect`, { token: u.access })).status).toBe(401);
    expect((await postForm(`${svc.url}/oauth/introspect`, { token: u.access, client_id: 'gatehouse' })).status).toBe(401);
    expect((await introspect('garbage')).body).toEqual({ active: false });
    // Refresh tokens are described only to their own client.
    expect((await introspect(u.refresh)).body).toEqual({ active: false });
  });

  it('logout: refresh dead, introspection inactive at once, one session event on the stream', async () => {
    const u = await login();
    expect((await bearer('POST', '/auth/logout', u.access)).status).toBe(204);
    expect((await refresh(u.refresh)).body['error']).toBe('invalid_grant');
    expect((await introspect(u.access)).body).toEqual({ active: false });
    const events = await until(() => eventsFor('revoked.session', 'sid', u.sid), (e) => e.length >= 1);
    expect(events).toHaveLength(1);
  });

  it('logout-all: every session dead, one subject event', async () => {
    const a = await login();
    const b = await login(a.email);
    expect((await bearer('POST', '/auth/logout-all', a.access)).status).toBe(204);
    for (const s of [a, b]) {
      expect((await refresh(s.refresh)).body['error']).toBe('invalid_grant');
      expect((await introspect(s.access)).body).toEqual({ active: false });
    }
    expect(await until(() => eventsFor('revoked.subject', 'sub', a.sub), (e) => e.length >= 1)).toHaveLength(1);
  });

  it('password change: other sessions end (one event each), this one lives, old password stops working', async () => {
    const a = await login();
    const b = await login(a.email);
    const wrong = await bearer('POST', '/auth/password', a.access, { current_password: 'nope-nope', new_password: 'brand-new-pass' });
    expect(wrong.status).toBe(401);
    const ok = await bearer('POST', '/auth/password', a.access, { current_password: 'revocation-pass', new_password: 'brand-new-pass' });
    expect(ok.status).toBe(204);
    expect((await refresh(b.refresh)).body['error']).toBe('invalid_grant');
    expect((await introspect(b.access)).body).toEqual({ active: false });
    expect((await introspect(a.access)).body['active']).toBe(true);
    expect((await postJson(`${svc.url}/auth/login`, { email: a.email, password: 'revocation-pass' })).status).toBe(401);
    expect((await postJson(`${svc.url}/auth/login`, { email: a.email, password: 'brand-new-pass' })).status).toBe(200);
    expect(await until(() => eventsFor('revoked.session', 'sid', b.sid), (e) => e.length >= 1)).toHaveLength(1);
    expect(await eventsFor('revoked.session', 'sid', a.sid)).toHaveLength(0);
  });

  it('admin disable: 403 for non-admins; for admins every session dies, login refused, one subject event', async () => {
    const victim = await login();
    const other = await login();
    expect((await bearer('POST', `/admin/users/${victim.sub}/disable`, other.access)).status).toBe(403);
    const admin = await login('root@example.com');
    expect((await bearer('POST', `/admin/users/${victim.sub}/disable`, admin.access)).status).toBe(204);
    expect((await refresh(victim.refresh)).body['error']).toBe('invalid_grant');
    expect((await introspect(victim.access)).body).toEqual({ active: false });
    expect((await postJson(`${svc.url}/auth/login`, { email: victim.email, password: 'revocation-pass' })).status).toBe(401);
    expect(await until(() => eventsFor('revoked.subject', 'sub', victim.sub), (e) => e.length >= 1)).toHaveLength(1);
    expect((await bearer('POST', `/admin/users/${victim.sub}/disable`, admin.access)).status).toBe(404);
    expect((await bearer('POST', '/admin/users/not-a-uuid/disable', admin.access)).status).toBe(400);
    expect((await bearer('POST', `/admin/users/${victim.sub}/enable`, admin.access)).status).toBe(204);
    expect((await postJson(`${svc.url}/auth/login`, { email: victim.email, password: 'revocation-pass' })).status).toBe(200);
  });

  it('RFC 7009: revoking an access token queues a token event; revoking a refresh token ends its session; unknown tokens get 200', async () => {
    const u = await login();
    const jti = (JSON.parse(Buffer.from(u.access.split('.')[1]!, 'base64url').toString()) as { jti: string }).jti;
    expect((await postForm(`${svc.url}/oauth/revoke`, { token: u.access, client_id: 'gatehouse' })).status).toBe(200);
    expect((await introspect(u.access)).body).toEqual({ active: false });
    expect(await until(() => eventsFor('revoked.token', 'jti', jti), (e) => e.length >= 1)).toHaveLength(1);
    expect((await postForm(`${svc.url}/oauth/revoke`, { token: u.access, client_id: 'gatehouse' })).status).toBe(200);

    expect((await postForm(`${svc.url}/oauth/revoke`, { token: u.refresh, token_type_hint: 'refresh_token' })).status).toBe(200);
    expect((await refresh(u.refresh)).body['error']).toBe('invalid_grant');
    expect((await postForm(`${svc.url}/oauth/revoke`, { token: 'unknown-token' })).status).toBe(200);
    expect((await postForm(`${svc.url}/oauth/revoke`, { token: 'x', token_type_hint: 'id_token' })).body['error']).toBe('unsupported_token_type');
    // Another client cannot revoke a token it does not own.
    const v = await login();
    expect((await postForm(`${svc.url}/oauth/revoke`, { token: v.refresh }, { authorization: rsAuth })).status).toBe(200);
    expect((await refresh(v.refresh)).status).toBe(200);
  });

  it('admin clients: create shows the secret once; revoke kills the secret and its tokens, one client event', async () => {
    const admin = await login('root@example.com');
    const created = await bearer('POST', '/admin/clients', admin.access, { id: 'billing', audiences: ['orders'], scopes: ['orders:read'] });
    expect(created.status).toBe(201);
    const { client_secret: secret } = (await created.json()) as { client_secret: string };
    const list = (await (await bearer('GET', '/admin/clients', admin.access)).json()) as { clients: Record<string, unknown>[] };
    expect(JSON.stringify(list)).not.toContain(secret);
    const cc = await postForm(`${svc.url}/oauth/token`, { grant_type: 'client_credentials' }, { authorization: basic('billing', secret) });
    expect(cc.status).toBe(200);
    expect((await bearer('POST', '/admin/clients/billing/revoke', admin.access)).status).toBe(204);
    expect((await postForm(`${svc.url}/oauth/token`, { grant_type: 'client_credentials' }, { authorization: basic('billing', secret) })).status).toBe(401);
    expect((await introspect(String(cc.body['access_token']))).body).toEqual({ active: false });
    expect(await until(() => eventsFor('revoked.client', 'clientId', 'billing'), (e) => e.length >= 1)).toHaveLength(1);
    const audits = (await svc.app.get(DataSource).query(`SELECT details->>'action' AS a FROM audit_log WHERE event = 'admin_action'`)) as { a: string | null }[];
    expect(audits.map((r) => r.a)).toEqual(expect.arrayContaining(['create_client', 'revoke_client', 'disable_user', 'enable_user']));
  });
});
