import { DataSource } from 'typeorm';
import { ClientCache } from '../app/clients/client-cache';
import { CLIENT_LISTENER_APPLICATION_NAME } from '../app/clients/client-change-listener.service';
import { ClientsService } from '../app/clients/clients.service';
import { UsersService } from '../app/users/users.service';
import { WebAdminService } from '../app/web/web-admin.service';
import { until } from './stream-helpers';
import { basic, postForm, postJson, startAuthService, type TestAuthService } from './test-auth-app';

/**
 * Two replicas on one database, each with its own client cache: a change made through one must
 * stop client_credentials on the other at once (Postgres NOTIFY), not after the cache TTL. The
 * replica that made the change refuses on the very next request (it drops its entry after the
 * commit); the other refuses as soon as the NOTIFY has reached it, a fraction of a millisecond
 * after the commit on a quiet machine, so the test polls it with a deadline far below the TTL.
 */
const TTL = '300';
const NOTIFY_DEADLINE_MS = 1000;

describe('client cache across two auth-service replicas', () => {
  let a: TestAuthService;
  let b: TestAuthService;
  let adminToken: string;
  let adminId: string;
  let n = 0;

  beforeAll(async () => {
    a = await startAuthService('clientcache', { CLIENT_CACHE_TTL: TTL });
    b = await startAuthService('clientcache', { CLIENT_CACHE_TTL: TTL, KEY_ENCRYPTION_KEY: a.config.KEY_ENCRYPTION_KEY ?? '' }, a.db);
    await a.app.get(UsersService).register('root@example.com', 'admin-password', true);
    const login = await postJson(`${a.url}/auth/login`, { email: 'root@example.com', password: 'admin-password' });
    adminToken = String(login.body['access_token']);
    adminId = (JSON.parse(Buffer.from(adminToken.split('.')[1] ?? '', 'base64url').toString()) as { sub: string }).sub;
  }, 60_000);
  afterAll(async () => {
    await b.stop();
    await a.dispose();
  });

  const token = async (svc: TestAuthService, id: string, secret: string) =>
    (await postForm(`${svc.url}/oauth/token`, { grant_type: 'client_credentials' }, { authorization: basic(id, secret) })).status;

  /** Polls `svc` until the client is refused; returns how long that took (ms). */
  async function refusedWithin(svc: TestAuthService, id: string, secret: string): Promise<number> {
    const started = Date.now();
    await until(async () => token(svc, id, secret), (s) => s === 401, NOTIFY_DEADLINE_MS);
    return Date.now() - started;
  }

  /** A new client, already cached by both replicas. */
  async function cachedClient(): Promise<{ id: string; secret: string }> {
    const id = `svc-${++n}`;
    const secret = (await a.app.get(ClientsService).register({ id, audiences: ['orders'], scopes: ['orders:read'] })).clientSecret ?? '';
    for (const svc of [a, b]) {
      // Until its listener is up (after a lost connection), a replica does not cache.
      const cached = async () => ((await token(svc, id, secret)) === 200 ? svc.app.get(ClientCache).get(id) : undefined);
      await until(cached, (c) => c !== undefined);
    }
    return { id, secret };
  }

  it('serves repeated client_credentials from the cache, and only valid clients get in', async () => {
    const { id, secret } = await cachedClient();
    const cache = b.app.get(ClientCache);
    expect(cache.get(id)?.id).toBe(id);
    const size = cache.size;
    for (let i = 0; i < 20; i++) expect(await token(b, `ghost-${i}`, secret)).toBe(401);
    expect(await token(b, id, `${secret}x`)).toBe(401);
    expect(cache.size).toBe(size);
  });

  it('a revoke through the admin API on A stops issuance on B at once', async () => {
    for (let i = 0; i < 5; i++) {
      const { id, secret } = await cachedClient();
      const res = await fetch(`${a.url}/admin/clients/${id}/revoke`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}` } });
      expect(res.status).toBe(204);
      expect(await token(a, id, secret)).toBe(401);
      expect(await refusedWithin(b, id, secret)).toBeLessThan(NOTIFY_DEADLINE_MS);
      expect(b.app.get(ClientCache).get(id)).toBeUndefined();
    }
  });

  it('a revoke through the web admin on A stops issuance on B at once', async () => {
    const { id, secret } = await cachedClient();
    expect(await a.app.get(WebAdminService).revokeClient(id, { userId: adminId, ip: '127.0.0.1' })).toBe(true);
    expect(await token(a, id, secret)).toBe(401);
    expect(await refusedWithin(b, id, secret)).toBeLessThan(NOTIFY_DEADLINE_MS);
  });

  it('a secret change on A invalidates the old secret on B at once', async () => {
    const { id, secret } = await cachedClient();
    const replacement = `${'n'.repeat(40)}-${n}-new`;
    expect(await a.app.get(ClientsService).setSecret(id, replacement)).toBe(true);
    expect(await token(a, id, secret)).toBe(401);
    expect(await refusedWithin(b, id, secret)).toBeLessThan(NOTIFY_DEADLINE_MS);
    expect(await token(b, id, replacement)).toBe(200);
  });

  it('drops every entry when the listening connection is lost, and caches again once it is back', async () => {
    const { id, secret } = await cachedClient();
    const ds = a.app.get(DataSource);
    await ds.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`, [CLIENT_LISTENER_APPLICATION_NAME]);
    await until(async () => b.app.get(ClientCache).size, (size) => size === 0);
    // A change while nobody listens must not be missed: no entry survived, and new reads are
    // cached only after the replica listens again.
    await ds.query(`UPDATE clients SET revoked_at = now() WHERE id = $1`, [id]);
    expect(await token(b, id, secret)).toBe(401);
    const other = await cachedClient();
    expect(b.app.get(ClientCache).get(other.id)?.id).toBe(other.id);
  }, 30_000);
});
