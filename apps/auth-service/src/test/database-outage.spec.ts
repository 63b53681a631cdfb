import { connect, createServer, type Server, type Socket } from 'node:net';
import { createTestDatabase, type TestDatabase } from '@gatehouse/testing';
import { postForm, postJson, startAuthService, type TestAuthService } from './test-auth-app';

/** A loopback TCP proxy to Postgres that the test can cut, as a network partition would. */
async function startProxy(): Promise<{ url: (db: string) => string; cut(): void; restore(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let open = true;
  const server: Server = createServer((client) => {
    if (!open) {
      client.destroy();
      return;
    }
    const upstream = connect({ host: '127.0.0.1', port: 5432 });
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  const port = typeof a === 'object' && a ? a.port : 0;
  return {
    url: (db) => `postgres://postgres@127.0.0.1:${port}/${db}`,
    cut() {
      open = false;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    restore() {
      open = true;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('Postgres unreachable', () => {
  let db: TestDatabase;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  let svc: TestAuthService;

  beforeAll(async () => {
    db = await createTestDatabase('outage');
    proxy = await startProxy();
    svc = await startAuthService('outage', { DATABASE_URL: proxy.url(db.name) }, { ...db, url: proxy.url(db.name) });
    await postJson(`${svc.url}/auth/register`, { email: 'outage@example.com', password: 'outage-password' });
  });
  afterAll(async () => {
    await svc.stop();
    await proxy.close();
    await db.drop();
  });

  it('readiness turns false and requests get clean 503s, then everything recovers', async () => {
    expect((await fetch(`${svc.url}/health/ready`)).status).toBe(200);
    proxy.cut();
    const ready = await fetch(`${svc.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect((await fetch(`${svc.url}/health/live`)).status).toBe(200);

    const login = await postJson(`${svc.url}/auth/login`, { email: 'outage@example.com', password: 'outage-password' });
    expect(login.status).toBe(503);
    expect(login.body['code']).toBe('SERVICE_UNAVAILABLE');
    const register = await postJson(`${svc.url}/auth/register`, { email: 'new@example.com', password: 'outage-password' });
    expect(register.status).toBe(503);
    const token = await postForm(`${svc.url}/oauth/token`, { grant_type: 'client_credentials', client_id: 'x-client', client_secret: 'y'.repeat(43) });
    expect(token.status).toBe(503);
    expect(token.body['error']).toBe('temporarily_unavailable');

    proxy.restore();
    const deadline = Date.now() + 10_000;
    let status = 0;
    while (Date.now() < deadline && status !== 200) {
      status = (await postJson(`${svc.url}/auth/login`, { email: 'outage@example.com', password: 'outage-password' })).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
    expect((await fetch(`${svc.url}/health/ready`)).status).toBe(200);
  });
});
