import { connect, type NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { testStream, until, type TestStream } from './stream-helpers';
import { postJson, startAuthService, type TestAuthService } from './test-auth-app';

/** The relay's fast path (docs/adr/0001-revocation-fast-path.md): core NATS, no stream involved. */
describe('outbox relay fast path', () => {
  let ts: TestStream;
  let svc: TestAuthService;
  let nc: NatsConnection;
  const fast: { subject: string; id: string | undefined }[] = [];

  beforeAll(async () => {
    ts = await testStream('fast');
    nc = await connect({ servers: process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222' });
    nc.subscribe(`_gh_fast.${ts.prefix}.>`, { callback: (err, m) => err === null && fast.push({ subject: m.subject, id: m.headers?.get('Nats-Msg-Id') }) });
    await nc.flush();
    // No stream checkpoint round during the test: the relay would create the deleted stream again.
    svc = await startAuthService('outbox_fast', { ...ts.env, EVENTS_CHECKPOINT_INTERVAL: '60' });
  });
  afterAll(async () => {
    await svc.dispose();
    await nc.close();
    await ts.close();
  });

  const session = async (email: string) => {
    await postJson(`${svc.url}/auth/register`, { email, password: 'fast-path-password' });
    return String((await postJson(`${svc.url}/auth/login`, { email, password: 'fast-path-password' })).body['access_token']);
  };
  const logout = (token: string) => fetch(`${svc.url}/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  const outbox = () => svc.app.get(DataSource).query('SELECT id, sent_at FROM outbox ORDER BY id') as Promise<{ id: string; sent_at: Date | null }[]>;

  it('sends every event on the fast path with the outbox id, besides the stream', async () => {
    expect((await logout(await session('fast-1@example.com'))).status).toBe(204);
    const [row] = await until(outbox, (rows) => rows.length === 1 && rows[0]?.sent_at !== null);
    await until(() => Promise.resolve(fast), (f) => f.length === 1);
    expect(fast).toEqual([{ subject: `_gh_fast.${ts.prefix}.revoked.session`, id: row?.id }]);
    expect((await ts.messages()).map((m) => m.msgId)).toEqual([row?.id]);
  });

  it('keeps sending on the fast path while JetStream cannot store anything', async () => {
    const [first, second] = [await session('fast-2@example.com'), await session('fast-3@example.com')];
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(ts.stream); // every stream publish fails from now on
    // The drain's retries announce unsent rows again (consumers apply each event once): count ids.
    const ids = () => Promise.resolve(new Set(fast.map((f) => f.id)));
    expect((await logout(first)).status).toBe(204);
    await until(ids, (f) => f.size === 2, 3000);
    // By now the relay has seen a stream publish fail; the next event must still go out at once.
    await new Promise((r) => setTimeout(r, 500));
    expect((await logout(second)).status).toBe(204);
    await until(ids, (f) => f.size === 3, 3000);
    const rows = await outbox();
    expect([...(await ids())]).toEqual(rows.map((r) => r.id));
    expect(fast.every((f) => f.subject === `_gh_fast.${ts.prefix}.revoked.session`)).toBe(true);
    expect(rows.slice(1).map((r) => r.sent_at)).toEqual([null, null]); // the durable path has not delivered them: the relay retries
  });
});
