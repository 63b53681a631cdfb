import { DataSource } from 'typeorm';
import { testStream, until, type TestStream } from './stream-helpers';
import { postJson, startAuthService, type TestAuthService } from './test-auth-app';

describe('two auth-service instances relaying one outbox', () => {
  let ts: TestStream;
  let a: TestAuthService;
  let b: TestAuthService;

  beforeAll(async () => {
    ts = await testStream('replicas');
    a = await startAuthService('replicas', ts.env);
    b = await startAuthService('replicas', { ...ts.env, KEY_ENCRYPTION_KEY: a.config.KEY_ENCRYPTION_KEY ?? '' }, a.db);
  });
  afterAll(async () => {
    await b.stop();
    await a.dispose();
    await ts.close();
  });

  // Outbox ids come from a sequence taken before commit, so concurrent transactions can commit
  // (and become visible to the relay) out of id order: the stream follows commit order. Revocation
  // events are independent deny entries, so what matters is that each is published exactly once.
  it('publishes every event exactly once', async () => {
    await postJson(`${a.url}/auth/register`, { email: 'r@example.com', password: 'replica-password' });
    const tokens: string[] = [];
    for (let i = 0; i < 20; i++) {
      const via = i % 2 ? a : b;
      tokens.push(String((await postJson(`${via.url}/auth/login`, { email: 'r@example.com', password: 'replica-password' })).body['access_token']));
    }
    // Revoke through both instances at once.
    await Promise.all(tokens.map((t, i) => fetch(`${(i % 2 ? b : a).url}/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${t}` } })));
    const msgs = await until(() => ts.messages(), (m) => m.length >= 20, 10_000);
    const outbox: { id: string }[] = await a.app.get(DataSource).query('SELECT id FROM outbox ORDER BY id');
    expect(outbox).toHaveLength(20);
    const published = msgs.map((m) => m.msgId);
    expect(new Set(published).size).toBe(published.length);
    expect([...published].sort((x, y) => Number(x) - Number(y))).toEqual(outbox.map((r) => r.id));
  }, 60_000);
});
