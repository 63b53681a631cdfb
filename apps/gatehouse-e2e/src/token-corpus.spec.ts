import { hostileTokenCorpus, readSigningKeys, startTrapServer, type CorpusCase, type TrapServer } from '@gatehouse/testing';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { request } from 'node:http';
import { getStatus, post, startCluster, type Cluster } from './cluster';

/**
 * Hostile-token corpus against a protected endpoint of orders-service (GET /orders, orders:read).
 * Every case must be refused with 401 (403 for a scope problem) — never a 5xx, never a network
 * call to a URL taken from the token (a trap listener counts any contact).
 */
describe('hostile token corpus → orders-service', () => {
  let c: Cluster;
  let key: KeyObject;
  let kid: string;
  let trap: TrapServer;
  let trapUrl: string;
  let user: { access: string; refresh: string; sub: string; sid: string };
  const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 });

  beforeAll(async () => {
    c = await startCluster('corpus');
    [{ key, kid }] = (await readSigningKeys(c.dbs.auth.url, c.kek)) as [{ kid: string; key: KeyObject }];
    trap = await startTrapServer(JSON.stringify({ keys: [foreign.publicKey.export({ format: 'jwk' })] }));
    trapUrl = trap.url;
    user = await login('corpus@example.com');
  });
  afterAll(async () => {
    await trap?.close();
    await c?.stop();
  });

  async function login(email: string): Promise<{ access: string; refresh: string; sub: string; sid: string }> {
    await post(`${c.auth.url}/auth/register`, { email, password: 'corpus-password' });
    const res = await post(`${c.auth.url}/auth/login`, { email, password: 'corpus-password' });
    const access = String(res.body['access_token']);
    const claims = JSON.parse(Buffer.from(access.split('.')[1]!, 'base64url').toString()) as { sub: string; sid: string };
    return { access, refresh: String(res.body['refresh_token']), ...claims };
  }

  type Case = CorpusCase;
  let built: Case[] | undefined;
  const cases = (): Case[] => {
    if (built) return built;
    const shared = hostileTokenCorpus({ issuer: c.issuer, kid, key, sub: user.sub, audience: 'orders', scopes: ['orders:read', 'orders:write'], trapUrl });
    return (built = [...shared, ['control: a real login token is accepted', () => user.access, 200], ['a refresh token', () => user.refresh, 401]]);
  };
  const jwt = (): string => cases()[0]![1]();

  it('has at least 60 named cases', () => {
    expect(cases().length).toBeGreaterThanOrEqual(60);
  });

  it.each(Array.from({ length: 70 }, (_, i) => i))('case #%i', async (i) => {
    const all = cases();
    if (i >= all.length) return;
    const [name, make, expected] = all[i]!;
    const status = await getStatus(`${c.orders.url}/orders`, make());
    expect({ name, status }).toEqual({ name, status: expected });
    expect(trap.hits()).toBe(0);
  });

  const raw = (headers: Record<string, string | string[]>, path = '/orders') =>
    new Promise<number>((resolve, reject) => {
      const u = new URL(c.orders.url);
      const req = request({ host: u.hostname, port: u.port, path, headers, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });

  it('oversize Authorization header → 431, not 5xx', async () => {
    expect(await raw({ authorization: `Bearer ${'a'.repeat(20_000)}` })).toBe(431);
  });
  it('token in the query string is ignored', async () => {
    expect(await raw({}, `/orders?access_token=${user.access}`)).toBe(401);
  });
  it('two Authorization headers are refused', async () => {
    expect(await raw({ authorization: [`Bearer ${user.access}`, 'Bearer x'] })).toBe(401);
    expect(await raw({ authorization: `Bearer ${user.access}` })).toBe(200);
  });
  it('wrong scheme and empty bearer → 401', async () => {
    expect(await raw({ authorization: `Basic ${user.access}` })).toBe(401);
    expect(await raw({ authorization: 'Bearer ' })).toBe(401);
  });

  it('valid tokens whose jti, sid or subject is revoked → 401', async () => {
    const byJti = await login('jti@example.com');
    expect((await fetch(`${c.auth.url}/oauth/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: byJti.access, client_id: 'gatehouse' }) })).status).toBe(200);
    const bySid = await login('sid@example.com');
    await fetch(`${c.auth.url}/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${bySid.access}` } });
    const bySub = await login('sub@example.com');
    await fetch(`${c.auth.url}/auth/logout-all`, { method: 'POST', headers: { authorization: `Bearer ${bySub.access}` } });
    for (const t of [byJti, bySid, bySub]) {
      const deadline = Date.now() + 3000;
      while ((await getStatus(`${c.orders.url}/orders`, t.access)) !== 401 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      expect(await getStatus(`${c.orders.url}/orders`, t.access)).toBe(401);
    }
  });

  it('a token signed by a key rotated out → 401 (forced rotation)', async () => {
    const before = jwt();
    expect(await getStatus(`${c.orders.url}/orders`, before)).toBe(200);
    const admin = await post(`${c.auth.url}/auth/login`, c.admin);
    const res = await fetch(`${c.auth.url}/admin/keys/rotate`, { method: 'POST', headers: { authorization: `Bearer ${String(admin.body['access_token'])}` } });
    expect(res.status).toBe(200);
    const deadline = Date.now() + 5000;
    while ((await getStatus(`${c.orders.url}/orders`, before)) !== 401 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(await getStatus(`${c.orders.url}/orders`, before)).toBe(401);
    expect(trap.hits()).toBe(0);
  });
});
