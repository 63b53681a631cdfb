import { postJson, startAuthService, type TestAuthService } from './test-auth-app';

/**
 * Login must not reveal whether an account exists through its timing: an unknown email costs the
 * same bcrypt comparison as a wrong password. 200 interleaved samples each; medians within 10 %.
 */
describe('login timing', () => {
  let svc: TestAuthService;
  beforeAll(async () => {
    svc = await startAuthService('timing', { LOGIN_MAX_FAILURES: '100', LOGIN_IP_MAX_FAILURES: '10000', LOGIN_FAILURE_WINDOW: '1' });
    await postJson(`${svc.url}/auth/register`, { email: 'known@example.com', password: 'the-right-password' });
  });
  afterAll(() => svc.dispose());

  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2;
  };

  it('existing and non-existing accounts take the same time (medians within 10 %)', async () => {
    const known: number[] = [];
    const unknown: number[] = [];
    const sample = async (email: string, into: number[]) => {
      const t0 = performance.now();
      const res = await postJson(`${svc.url}/auth/login`, { email, password: 'a-wrong-password' });
      into.push(performance.now() - t0);
      expect(res.status).toBe(401);
    };
    for (let i = 0; i < 200; i++) {
      // Alternate which goes first so drift affects both equally.
      if (i % 2 === 0) {
        await sample('known@example.com', known);
        await sample(`nobody${i}@example.com`, unknown);
      } else {
        await sample(`nobody${i}@example.com`, unknown);
        await sample('known@example.com', known);
      }
    }
    const mk = median(known);
    const mu = median(unknown);
    const diff = Math.abs(mk - mu) / Math.max(mk, mu);
    process.stdout.write(`login timing: existing median ${mk.toFixed(2)} ms, non-existing ${mu.toFixed(2)} ms, difference ${(diff * 100).toFixed(1)} %\n`);
    expect(diff).toBeLessThan(0.1);
  }, 120_000);
});
