import { DataSource } from 'typeorm';
import { postForm, postJson, startAuthService, type TestAuthService } from './test-auth-app';

describe('session registry: logout, logout-all, list, revoke one', () => {
  let svc: TestAuthService;
  let ds: DataSource;
  let n = 0;

  beforeAll(async () => {
    svc = await startAuthService('sessions');
    ds = svc.app.get(DataSource);
  });
  afterAll(() => svc.dispose());

  async function newUser(): Promise<string> {
    const email = `s${++n}@example.com`;
    await postJson(`${svc.url}/auth/register`, { email, password: 'session-password' });
    return email;
  }
  async function login(email: string, ua = 'jest'): Promise<{ access: string; refresh: string; sid: string; sub: string }> {
    const res = await postJson(`${svc.url}/auth/login`, { email, password: 'session-password' }, { 'user-agent': ua });
    const access = String(res.body['access_token']);
    const claims = JSON.parse(Buffer.from(access.split('.')[1]!, 'base64url').toString()) as { sid: string; sub: string };
    return { access, refresh: String(res.body['refresh_token']), ...claims };
  }
  const call = (method: string, path: string, token?: string) =>
    fetch(`${svc.url}${path}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });
  const refresh = (token: string) => postForm(`${svc.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: token });
  const events = (where: string, arg: string) => ds.query(`SELECT subject, payload FROM outbox WHERE ${where}`, [arg]) as Promise<{ subject: string; payload: Record<string, unknown> }[]>;

  it('lists the live sessions of the caller with a current marker', async () => {
    const email = await newUser();
    const a = await login(email, 'Device A');
    await login(email, 'Device B');
    const res = await call('GET', '/auth/sessions', a.access);
    expect(res.status).toBe(200);
    const { sessions } = (await res.json()) as { sessions: { id: string; device: string; current: boolean; kind: string }[] };
    expect(sessions).toHaveLength(2);
    expect(sessions.find((s) => s.current)?.id).toBe(a.sid);
    expect(sessions.map((s) => s.device).sort()).toEqual(['Device A', 'Device B']);
    expect(sessions.every((s) => s.kind === 'api')).toBe(true);
  });

  it('logout ends this session only: its refresh token dies, one event is queued', async () => {
    const email = await newUser();
    const a = await login(email);
    const b = await login(email);
    expect((await call('POST', '/auth/logout', a.access)).status).toBe(204);
    expect((await refresh(a.refresh)).body['error']).toBe('invalid_grant');
    expect((await refresh(b.refresh)).status).toBe(200);
    expect((await call('GET', '/auth/sessions', a.access)).status).toBe(401);
    const queued = await events(`payload->>'sid' = $1`, a.sid);
    expect(queued).toEqual([{ subject: 'gatehouse.revoked.session', payload: expect.objectContaining({ v: 1, sid: a.sid }) }]);
  });

  it('logout-all ends every session and queues one subject event', async () => {
    const email = await newUser();
    const a = await login(email);
    const b = await login(email);
    expect((await call('POST', '/auth/logout-all', a.access)).status).toBe(204);
    for (const s of [a, b]) expect((await refresh(s.refresh)).body['error']).toBe('invalid_grant');
    expect((await call('GET', '/auth/sessions', b.access)).status).toBe(401);
    const queued = await events(`payload->>'sub' = $1`, a.sub);
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({ subject: 'gatehouse.revoked.subject', payload: { v: 1, sub: a.sub } });
    expect(Number(queued[0]!.payload['notBefore'])).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
  });

  it("DELETE /auth/sessions/:id ends one of the caller's sessions and nobody else's", async () => {
    const email = await newUser();
    const a = await login(email);
    const b = await login(email);
    const other = await login(await newUser());
    expect((await call('DELETE', `/auth/sessions/${other.sid}`, a.access)).status).toBe(404);
    expect((await call('DELETE', '/auth/sessions/not-a-uuid', a.access)).status).toBe(404);
    expect((await call('DELETE', `/auth/sessions/${b.sid}`, a.access)).status).toBe(204);
    expect((await refresh(b.refresh)).body['error']).toBe('invalid_grant');
    expect((await refresh(other.refresh)).status).toBe(200);
    expect((await call('DELETE', `/auth/sessions/${b.sid}`, a.access)).status).toBe(404);
  });

  it.each([
    ['no header', undefined],
    ['garbage', 'abc'],
    ['a refresh token', 'A'.repeat(43)],
  ])('rejects %s with 401', async (_name, token) => {
    const res = await call('POST', '/auth/logout', token);
    expect(res.status).toBe(401);
    expect(((await res.json()) as Record<string, unknown>)['code']).toBe('AUTH_UNAUTHENTICATED');
  });

  it('records logins, logouts and logout-all in the audit log without secrets', async () => {
    const rows: { event: string; details: unknown }[] = await ds.query(`SELECT event, details FROM audit_log`);
    const kinds = new Set(rows.map((r) => r.event));
    for (const k of ['login_ok', 'logout', 'logout_all', 'session_revoked']) expect(kinds).toContain(k);
    expect(JSON.stringify(rows)).not.toContain('session-password');
  });
});
