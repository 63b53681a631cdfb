import { DataSource } from 'typeorm';
import { testStream, until, type TestStream } from './stream-helpers';
import { postJson, startAuthService, type TestAuthService } from './test-auth-app';

describe('outbox relay to JetStream', () => {
  let ts: TestStream;
  let svc: TestAuthService;

  beforeAll(async () => {
    ts = await testStream('outbox');
    svc = await startAuthService('outbox', ts.env);
  });
  afterAll(async () => {
    await svc.dispose();
    await ts.close();
  });
  const streamMessages = () => ts.messages();
  it('publishes each revocation once, in order, with Nats-Msg-Id = outbox id, within milliseconds', async () => {
    await postJson(`${svc.url}/auth/register`, { email: 'o@example.com', password: 'outbox-password' });
    const sids: string[] = [];
    const tokens: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await postJson(`${svc.url}/auth/login`, { email: 'o@example.com', password: 'outbox-password' });
      tokens.push(String(res.body['access_token']));
      sids.push((JSON.parse(Buffer.from(tokens[i]!.split('.')[1]!, 'base64url').toString()) as { sid: string }).sid);
    }
    const started = performance.now();
    await fetch(`${svc.url}/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${tokens[0]}` } });
    await until(streamMessages, (m) => m.length === 1);
    const latency = performance.now() - started;
    process.stdout.write(`outbox: logout → stream in ${latency.toFixed(1)} ms\n`);

    await fetch(`${svc.url}/auth/logout-all`, { method: 'POST', headers: { authorization: `Bearer ${tokens[1]}` } });
    const msgs = await until(streamMessages, (m) => m.length === 2);
    expect(msgs.map((m) => m.subject)).toEqual([`${ts.prefix}.revoked.session`, `${ts.prefix}.revoked.subject`]);
    expect(msgs[0]!.data).toMatchObject({ v: 1, sid: sids[0] });
    // Rows are marked sent when the relay's batch commits, just after the last publish.
    const ids = await until(
      () => svc.app.get(DataSource).query('SELECT id, sent_at FROM outbox ORDER BY id') as Promise<{ id: string; sent_at: Date | null }[]>,
      (rows) => rows.every((r) => r.sent_at !== null),
    );
    expect(msgs.map((m) => m.msgId)).toEqual(ids.map((r) => r.id));
    expect(ids.every((r) => r.sent_at !== null)).toBe(true);
  });

  it('drops a duplicate publish of the same outbox row (JetStream dedup on Nats-Msg-Id)', async () => {
    const before = (await streamMessages()).length;
    const ds = svc.app.get(DataSource);
    await ds.query('UPDATE outbox SET sent_at = NULL WHERE id = (SELECT min(id) FROM outbox)');
    await until(() => ds.query('SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL') as Promise<[{ n: number }]>, (r) => r[0].n === 0);
    expect((await streamMessages()).length).toBe(before);
  });
});
