import { FakeAuthServer } from '../test/fake-auth-server';
import { ServiceTokenClient } from './service-token-client';

describe('ServiceTokenClient.exchange (RFC 8693)', () => {
  const server = new FakeAuthServer('orders-service', 'orders-secret');
  let now = 1_700_000_000_000;
  const client = (): ServiceTokenClient => new ServiceTokenClient({ tokenUrl: server.tokenUrl, clientId: 'orders-service', clientSecret: 'orders-secret', now: () => now, refreshSkewSeconds: 30 });
  const resource = (): string => `${server.baseUrl}/resource`;

  beforeAll(() => server.start());
  afterAll(() => server.close());
  beforeEach(() => server.reset());

  it('sends a token-exchange form and caches per user token, audience and scope until shortly before expiry', async () => {
    server.mode = { kind: 'ok', expiresIn: 120 };
    const tokens = client();
    const alice = await tokens.exchange('user-token-alice', 'inventory', 'inventory:reserve');
    expect(alice).toMatch(/^xtok-/);
    expect(server.tokenRequests[0]).toMatchObject({ clientId: 'orders-service', subjectToken: 'user-token-alice', audience: 'inventory', scope: 'inventory:reserve' });
    expect(await tokens.exchange('user-token-alice', 'inventory', 'inventory:reserve')).toBe(alice);
    const bob = await tokens.exchange('user-token-bob', 'inventory', 'inventory:reserve');
    const other = await tokens.exchange('user-token-alice', 'billing');
    expect(new Set([alice, bob, other]).size).toBe(3);
    expect(server.tokenRequests).toHaveLength(3);
    now += 89_999;
    expect(await tokens.exchange('user-token-alice', 'inventory', 'inventory:reserve')).toBe(alice);
    now += 1;
    expect(await tokens.exchange('user-token-alice', 'inventory', 'inventory:reserve')).not.toBe(alice);
    expect(tokens.exchangeStats()).toMatchObject({ hits: 2, misses: 4 });
  });

  it('does not cache a token that expires within the skew (the user token is about to expire)', async () => {
    server.mode = { kind: 'ok', expiresIn: 20 };
    const tokens = client();
    const first = await tokens.exchange('short-lived', 'inventory');
    expect(await tokens.exchange('short-lived', 'inventory')).not.toBe(first);
    expect(server.tokenRequests).toHaveLength(2);
  });

  it('sends one exchange for 50 concurrent callers with the same user token, and caches no failure', async () => {
    const tokens = client();
    const results = await Promise.all(Array.from({ length: 50 }, () => tokens.exchange('user-token-carol', 'inventory')));
    expect(new Set(results).size).toBe(1);
    expect(server.tokenRequests).toHaveLength(1);
    expect(tokens.exchangeStats()).toMatchObject({ hits: 49, misses: 1, size: 1 });

    server.deadSubjects.add('user-token-dave');
    const refused = await Promise.allSettled(Array.from({ length: 5 }, () => tokens.exchange('user-token-dave', 'inventory')));
    expect(refused.every((r) => r.status === 'rejected' && r.reason.code === 'SERVICE_TOKEN_REJECTED' && r.reason.error === 'invalid_grant')).toBe(true);
    expect(server.tokenRequests).toHaveLength(2);
    await expect(tokens.exchange('user-token-dave', 'inventory')).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(server.tokenRequests).toHaveLength(3);
  });

  it('fetchWithToken with subjectToken calls with the exchanged token and, on 401, exchanges again and retries once', async () => {
    const tokens = client();
    const stale = await tokens.exchange('user-token-erin', 'inventory', 'inventory:reserve');
    server.revoked.add(stale);
    const res = await tokens.fetchWithToken(resource(), { method: 'POST', body: '{"q":1}', audience: 'inventory', scope: 'inventory:reserve', subjectToken: 'user-token-erin' });
    expect(res.status).toBe(200);
    expect(server.resourceRequests.map((r) => r.token === stale)).toEqual([true, false]);
    expect(server.resourceRequests[1]?.token).toMatch(/^xtok-/);
    expect(server.tokenRequests.filter((r) => r.subjectToken === 'user-token-erin')).toHaveLength(2);
    // The service's own client-credentials cache is untouched.
    expect(server.tokenRequests.some((r) => r.subjectToken === undefined)).toBe(false);
  });

  it('refuses a bad subject token, audience or scope without a request', async () => {
    const tokens = client();
    await expect(tokens.exchange('', 'inventory')).rejects.toMatchObject({ code: 'SERVICE_TOKEN_INVALID_ARGUMENT', argument: 'subjectToken' });
    await expect(tokens.exchange('a b', 'inventory')).rejects.toMatchObject({ argument: 'subjectToken' });
    await expect(tokens.exchange('t', 'in ventory')).rejects.toMatchObject({ argument: 'audience' });
    await expect(tokens.exchange('t', 'inventory', ' ')).rejects.toMatchObject({ argument: 'scope' });
    expect(server.tokenRequests).toHaveLength(0);
  });
});
