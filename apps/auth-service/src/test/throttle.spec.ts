import { DataSource } from 'typeorm';
import { postJson, startAuthService, type TestAuthService } from './test-auth-app';

describe('login throttling', () => {
  let svc: TestAuthService;
  beforeAll(async () => {
    svc = await startAuthService('throttle', { LOGIN_MAX_FAILURES: '3', LOGIN_LOCKOUT_BASE: '1', LOGIN_LOCKOUT_MAX: '2', LOGIN_IP_MAX_FAILURES: '1000' });
  });
  afterAll(() => svc.dispose());

  const login = (email: string, password: string) => postJson(`${svc.url}/auth/login`, { email, password });

  it('locks an account with 429 + Retry-After after repeated failures, then lets the owner back in', async () => {
    await postJson(`${svc.url}/auth/register`, { email: 'owner@example.com', password: 'owner-password' });
    for (let i = 0; i < 3; i++) expect((await login('owner@example.com', 'wrong-password')).status).toBe(401);
    const locked = await login('owner@example.com', 'owner-password');
    expect(locked.status).toBe(429);
    expect(locked.body['code']).toBe('AUTH_RATE_LIMITED');
    const retryAfter = Number(locked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(2);

    const deadline = Date.now() + 5000;
    let res = locked;
    while (res.status === 429 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      res = await login('owner@example.com', 'owner-password');
    }
    expect(res.status).toBe(200);
  });

  it('counts 50 parallel wrong-password logins correctly, with no 5xx', async () => {
    await postJson(`${svc.url}/auth/register`, { email: 'target@example.com', password: 'target-password' });
    const results = await Promise.all(Array.from({ length: 50 }, () => login('target@example.com', 'guess-password')));
    const statuses = results.map((r) => r.status);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    const failures = statuses.filter((s) => s === 401).length;
    const [row] = (await svc.app.get(DataSource).query(`SELECT failures FROM login_throttle WHERE key = 'acct:target@example.com'`)) as [{ failures: number }];
    expect(row.failures).toBe(failures);
    expect(failures).toBeGreaterThanOrEqual(3);
    expect((await login('target@example.com', 'target-password')).status).toBe(429);
  }, 30_000); // 50 bcrypt compares: ~2 s on an idle 2-core machine, past jest's default 5 s when it is shared

  it('throttles per IP across accounts', async () => {
    const tight = await startAuthService('throttle_ip', { LOGIN_IP_MAX_FAILURES: '4', LOGIN_MAX_FAILURES: '100' });
    try {
      for (let i = 0; i < 4; i++) {
        expect((await postJson(`${tight.url}/auth/login`, { email: `u${i}@example.com`, password: 'whatever-pass' })).status).toBe(401);
      }
      const res = await postJson(`${tight.url}/auth/login`, { email: 'fresh@example.com', password: 'whatever-pass' });
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBeTruthy();
    } finally {
      await tight.dispose();
    }
  });
});
