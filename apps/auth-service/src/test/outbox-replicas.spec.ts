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

  it('hands relaying over when the publishing replica stops', async () => {
    // `a` started first and took the relay lock; `b` has been waiting for it.
    const before = (await ts.messages()).length;
    await postJson(`${b.url}/auth/register`, { email: 'f@example.com', password: 'failover-password' });
    const login = async () => String((await postJson(`${b.url}/auth/login`, { email: 'f@example.com', password: 'failover-password' })).body['access_token']);
    const first = await login();
    await fetch(`${b.url}/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${first}` } });
    await until(() => ts.messages(), (m) => m.length === before + 1, 10_000);
    await a.stop(); // releases the lock with its connection
    const second = await login();
    await fetch(`${b.url}/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${second}` } });
    const msgs = await until(() => ts.messages(), (m) => m.length === before + 2, 10_000);
    expect(msgs.slice(before).map((m) => m.subject)).toEqual([`${ts.prefix}.revoked.session`, `${ts.prefix}.revoked.session`]);
    const unsent = () => b.app.get(DataSource).query('SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL') as Promise<[{ n: number }]>;
    await until(unsent, (r) => r[0].n === 0, 10_000);
  }, 60_000);
});
