import { DataSource } from 'typeorm';
import { postForm, postJson, startAuthService, type TestAuthService } from './test-auth-app';

describe('rotating refresh tokens', () => {
  let svc: TestAuthService;
  let ds: DataSource;
  let n = 0;

  beforeAll(async () => {
    svc = await startAuthService('refresh', { REFRESH_REUSE_GRACE: '1' });
    ds = svc.app.get(DataSource);
  });
  afterAll(() => svc.dispose());

  async function login(): Promise<{ refresh: string; access: string; sid: string }> {
    const email = `r${++n}@example.com`;
    await postJson(`${svc.url}/auth/register`, { email, password: 'refresh-password' });
    const res = await postJson(`${svc.url}/auth/login`, { email, password: 'refresh-password' });
    expect(res.status).toBe(200);
    const access = String(res.body['access_token']);
    const claims = JSON.parse(Buffer.from(access.split('.')[1]!, 'base64url').toString()) as { sid: string };
    return { refresh: String(res.body['refresh_token']), access, sid: claims.sid };
  }
  const refresh = (token: string) => postForm(`${svc.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: token });
  const liveInFamilyOf = async (sid: string) =>
    ((await ds.query('SELECT count(*)::int AS n FROM refresh_tokens WHERE session_id = $1 AND rotated_at IS NULL AND revoked_at IS NULL', [sid])) as [{ n: number }])[0].n;

  it('issues an opaque 256-bit refresh token at login, stored only as a hash', async () => {
    const { refresh: r0, sid } = await login();
    expect(Buffer.from(r0, 'base64url').length).toBe(32);
    const rows: { token_hash: Buffer }[] = await ds.query('SELECT token_hash FROM refresh_tokens WHERE session_id = $1', [sid]);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.token_hash.length).toBe(32);
    expect(JSON.stringify(await ds.query('SELECT * FROM refresh_tokens WHERE session_id = $1', [sid]))).not.toContain(r0);
  });

  it('rotates on every use', async () => {
    const { refresh: r0, sid } = await login();
    const first = await refresh(r0);
    expect(first.status).toBe(200);
    const r1 = String(first.body['refresh_token']);
    expect(r1).not.toBe(r0);
    expect(first.body).toMatchObject({ token_type: 'Bearer', scope: 'orders:read orders:write' });
    const second = await refresh(r1);
    expect(second.status).toBe(200);
    expect(second.body['refresh_token']).not.toBe(r1);
    expect(await liveInFamilyOf(sid)).toBe(1);
  });

  it('answers a retry within the grace window with the same live successor', async () => {
    const { refresh: r0, sid } = await login();
    const lost = await refresh(r0);
    const retry = await refresh(r0);
    expect(retry.status).toBe(200);
    expect(retry.body['refresh_token']).toBe(lost.body['refresh_token']);
    expect(await liveInFamilyOf(sid)).toBe(1);
    expect((await refresh(String(retry.body['refresh_token']))).status).toBe(200);
  });

  it('50 parallel refreshes of one token: no 5xx, one live family', async () => {
    const { refresh: r0, sid } = await login();
    const results = await Promise.all(Array.from({ length: 50 }, () => refresh(r0)));
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(new Set(results.map((r) => r.body['refresh_token'])).size).toBe(1);
    expect(await liveInFamilyOf(sid)).toBe(1);
    const families = (await ds.query('SELECT count(DISTINCT family_id)::int AS n FROM refresh_tokens WHERE session_id = $1', [sid])) as [{ n: number }];
    expect(families[0].n).toBe(1);
  });

  it('treats reuse after the grace window as theft: family and session die, one event is queued', async () => {
    const { refresh: r0, sid } = await login();
    const r1 = String((await refresh(r0)).body['refresh_token']);
    await new Promise((r) => setTimeout(r, 1200)); // let the 1 s grace window pass
    const replay = await refresh(r0);
    expect(replay.status).toBe(400);
    expect(replay.body['error']).toBe('invalid_grant');
    const afterTheft = await refresh(r1);
    expect(afterTheft.status).toBe(400);
    expect(afterTheft.body['error']).toBe('invalid_grant');
    expect(await liveInFamilyOf(sid)).toBe(0);
    const [session] = (await ds.query('SELECT revoked_at, revoked_reason FROM sessions WHERE id = $1', [sid])) as [{ revoked_at: Date | null; revoked_reason: string }];
    expect(session.revoked_at).not.toBeNull();
    expect(session.revoked_reason).toBe('refresh_reuse');
    const events: { subject: string; payload: { sid: string; until: number; v: number } }[] = await ds.query(
      `SELECT subject, payload FROM outbox WHERE payload->>'sid' = $1`,
      [sid],
    );
    expect(events).toHaveLength(1);
    expect(events[0]!.subject).toBe('gatehouse.revoked.session');
    expect(events[0]!.payload.v).toBe(1);
    expect(events[0]!.payload.until).toBeGreaterThan(Date.now() / 1000);
    const audits = (await ds.query(`SELECT count(*)::int AS n FROM audit_log WHERE event = 'refresh_reuse_detected' AND session_id = $1`, [sid])) as [{ n: number }];
    expect(audits[0].n).toBe(1);
    // A second replay does not queue the event again.
    await refresh(r0);
    expect((await ds.query(`SELECT count(*)::int AS n FROM outbox WHERE payload->>'sid' = $1`, [sid]))[0].n).toBe(1);
  });

  it.each([
    ['garbage', 'not-a-token'],
    ['unknown but well-formed', 'A'.repeat(43)],
    ['empty', ''],
  ])('rejects a %s refresh token with invalid_grant or invalid_request', async (_name, token) => {
    const res = await refresh(token);
    expect(res.status).toBe(400);
    expect(['invalid_grant', 'invalid_request']).toContain(res.body['error']);
  });

  it('requires client authentication for a token claimed by a confidential client id', async () => {
    const { refresh: r0 } = await login();
    const res = await postForm(`${svc.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: r0, client_id: 'orders-service' });
    expect(res.status).toBe(401);
    expect(res.body['error']).toBe('invalid_client');
  });
});
