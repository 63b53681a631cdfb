import { FakeAuthServer } from '../test/fake-auth-server';
import { ServiceTokenClient } from './service-token-client';
import type { ServiceTokenClientOptions } from './client-options';

describe('ServiceTokenClient', () => {
  const server = new FakeAuthServer('orders-service', 'orders-secret');
  let now = 1_700_000_000_000;
  const client = (extra: Partial<ServiceTokenClientOptions> = {}): ServiceTokenClient =>
    new ServiceTokenClient({ tokenUrl: server.tokenUrl, clientId: 'orders-service', clientSecret: 'orders-secret', now: () => now, ...extra });

  beforeAll(() => server.start());
  afterAll(() => server.close());
  beforeEach(() => server.reset());

  describe('getToken', () => {
    it('caches the token until expires_in - refreshSkewSeconds, then refreshes', async () => {
      server.mode = { kind: 'ok', expiresIn: 300 };
      const tokens = client({ refreshSkewSeconds: 30 });
      const first = await tokens.getToken('inventory');
      now += 269_999;
      expect(await tokens.getToken('inventory')).toBe(first);
      expect(server.tokenRequests).toHaveLength(1);
      now += 1;
      const second = await tokens.getToken('inventory');
      expect(second).not.toBe(first);
      expect(server.tokenRequests).toHaveLength(2);
    });

    it('defaults refreshSkewSeconds to 30', async () => {
      server.mode = { kind: 'ok', expiresIn: 60 };
      const tokens = client();
      await tokens.getToken('inventory');
      now += 29_999;
      await tokens.getToken('inventory');
      expect(server.tokenRequests).toHaveLength(1);
      now += 1;
      await tokens.getToken('inventory');
      expect(server.tokenRequests).toHaveLength(2);
    });

    it('keeps one cache entry per audience and scope set', async () => {
      const tokens = client();
      const inventory = await tokens.getToken('inventory');
      const orders = await tokens.getToken('orders');
      const reserve = await tokens.getToken('inventory', 'inventory:reserve inventory:read');
      expect(new Set([inventory, orders, reserve]).size).toBe(3);
      expect(await tokens.getToken('inventory', ' inventory:read  inventory:reserve')).toBe(reserve);
      expect(await tokens.getToken('inventory')).toBe(inventory);
      expect(server.tokenRequests.map((r) => [r.audience, r.scope])).toEqual([
        ['inventory', null],
        ['orders', null],
        ['inventory', 'inventory:read inventory:reserve'],
      ]);
    });

    it('sends exactly one token request for 100 concurrent callers', async () => {
      const tokens = client();
      const results = await Promise.all(Array.from({ length: 100 }, () => tokens.getToken('inventory', 'inventory:reserve')));
      expect(new Set(results).size).toBe(1);
      expect(server.tokenRequests).toHaveLength(1);
    });

    it('rejects every waiter when the request fails, caches nothing, and the next call retries', async () => {
      const tokens = client();
      server.mode = { kind: 'status', status: 503, body: '{"error":"temporarily_unavailable"}' };
      const results = await Promise.allSettled(Array.from({ length: 20 }, () => tokens.getToken('inventory')));
      expect(results.every((r) => r.status === 'rejected' && r.reason.code === 'SERVICE_TOKEN_UNAVAILABLE')).toBe(true);
      expect(server.tokenRequests).toHaveLength(1);
      server.mode = { kind: 'ok' };
      await expect(tokens.getToken('inventory')).resolves.toMatch(/^tok-/);
      expect(server.tokenRequests).toHaveLength(2);
    });

    it('invalidate() makes the next call fetch a new token', async () => {
      const tokens = client();
      const first = await tokens.getToken('inventory', 'inventory:reserve');
      tokens.invalidate('inventory', 'inventory:reserve');
      expect(await tokens.getToken('inventory', 'inventory:reserve')).not.toBe(first);
      expect(server.tokenRequests).toHaveLength(2);
    });

    it('rejects a bad audience or scope with SERVICE_TOKEN_INVALID_ARGUMENT', async () => {
      const tokens = client();
      await expect(tokens.getToken('')).rejects.toMatchObject({ code: 'SERVICE_TOKEN_INVALID_ARGUMENT', argument: 'audience' });
      await expect(tokens.getToken('inventory', '  ')).rejects.toMatchObject({ code: 'SERVICE_TOKEN_INVALID_ARGUMENT', argument: 'scope' });
      expect(server.tokenRequests).toHaveLength(0);
    });
  });

  describe('fetchWithToken', () => {
    const resource = (): string => `${server.baseUrl}/resource`;

    it('sends the bearer token and a plain x-request-id, and drops a hostile one', async () => {
      const tokens = client();
      const res = await tokens.fetchWithToken(resource(), { audience: 'inventory', requestId: 'req-1' });
      expect(res.status).toBe(200);
      await tokens.fetchWithToken(resource(), { audience: 'inventory', requestId: 'bad id\r\n'.repeat(2) });
      expect(server.resourceRequests.map((r) => r.requestId)).toEqual(['req-1', undefined]);
      expect(server.resourceRequests[0]!.token).toBe(await tokens.getToken('inventory'));
    });

    it.each([
      ['a string', (): RequestInit['body'] => 'payload'],
      ['URLSearchParams', (): RequestInit['body'] => new URLSearchParams({ p: 'payload' })],
      ['a Uint8Array', (): RequestInit['body'] => new TextEncoder().encode('payload')],
    ])('on 401 retries once with a fresh token (body: %s)', async (_name, body) => {
      const tokens = client();
      const revoked = await tokens.getToken('inventory', 'inventory:reserve');
      server.revoked.add(revoked);
      const res = await tokens.fetchWithToken(resource(), { method: 'POST', body: body(), audience: 'inventory', scope: 'inventory:reserve' });
      expect(res.status).toBe(200);
      const [first, second] = server.resourceRequests;
      expect(server.resourceRequests).toHaveLength(2);
      expect(first!.token).toBe(revoked);
      expect(second!.token).not.toBe(revoked);
      expect(second!.body).toBe(first!.body);
      expect(await tokens.getToken('inventory', 'inventory:reserve')).toBe(second!.token);
      expect(server.tokenRequests).toHaveLength(2);
    });

    it('returns the second response when the retry is also 401', async () => {
      server.rejectEveryToken = true;
      const res = await client().fetchWithToken(resource(), { audience: 'inventory' });
      expect(res.status).toBe(401);
      expect(server.resourceRequests).toHaveLength(2);
      expect(server.tokenRequests).toHaveLength(2);
    });

    it('refreshes once when many concurrent requests hit 401 with the same token', async () => {
      const tokens = client();
      server.revoked.add(await tokens.getToken('inventory'));
      const results = await Promise.all(Array.from({ length: 10 }, () => tokens.fetchWithToken(resource(), { audience: 'inventory' })));
      expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
      expect(server.tokenRequests).toHaveLength(2);
    });

    it('does not retry a non-replayable body but still drops the rejected token', async () => {
      const tokens = client();
      const revoked = await tokens.getToken('inventory');
      server.revoked.add(revoked);
      const res = await tokens.fetchWithToken(resource(), { method: 'POST', body: new Blob(['once']), audience: 'inventory' });
      expect(res.status).toBe(401);
      expect(server.resourceRequests).toHaveLength(1);
      expect(await tokens.getToken('inventory')).not.toBe(revoked);
    });

    it('propagates token errors instead of calling the resource', async () => {
      server.mode = { kind: 'status', status: 400, body: '{"error":"invalid_scope"}' };
      await expect(client().fetchWithToken(resource(), { audience: 'inventory', scope: 'nope' })).rejects.toMatchObject({
        code: 'SERVICE_TOKEN_REJECTED',
        error: 'invalid_scope',
      });
      expect(server.resourceRequests).toHaveLength(0);
    });
  });
});
