import { startNatsServer, type TestNatsServer } from '@gatehouse/testing';
import { connect, type NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { until } from './stream-helpers';
import { postJson, startAuthService, type TestAuthService } from './test-auth-app';

describe('outbox relay across a NATS crash', () => {
  let nats: TestNatsServer;
  let svc: TestAuthService;

  beforeAll(async () => {
    nats = await startNatsServer();
    svc = await startAuthService('outbox_faults', { OUTBOX_RELAY: 'true', NATS_URL: nats.url });
  });
  afterAll(async () => {
    await svc.dispose();
    await nats.dispose();
  });

  async function streamIds(): Promise<string[]> {
    const nc: NatsConnection = await connect({ servers: nats.url, reconnect: false });
    try {
      const jsm = await nc.jetstreamManager();
      const info = await jsm.streams.info('GATEHOUSE_EVENTS');
      const ids: string[] = [];
      for (let seq = info.state.first_seq; info.state.messages > 0 && seq <= info.state.last_seq; seq++) {
        const m = await jsm.streams.getMessage('GATEHOUSE_EVENTS', { seq });
        if (m.subject !== 'gatehouse.stream.checkpoint') ids.push(m.header?.get('Nats-Msg-Id') ?? '?');
      }
      return ids;
    } finally {
      await nc.close();
    }
  }

  it('delivers every event exactly once, in order, after kill -9 and restart', async () => {
    await postJson(`${svc.url}/auth/register`, { email: 'crash@example.com', password: 'crash-password' });
    const tokens: string[] = [];
    for (let i = 0; i < 6; i++) {
      tokens.push(String((await postJson(`${svc.url}/auth/login`, { email: 'crash@example.com', password: 'crash-password' })).body['access_token']));
    }
    const logout = (t: string) => fetch(`${svc.url}/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${t}` } });

    await logout(tokens[0]!);
    await until(streamIds, (ids) => ids.length === 1);

    await nats.kill();
    for (const t of tokens.slice(1, 5)) expect((await logout(t)).status).toBe(204);
    const ds = svc.app.get(DataSource);
    const pending = (await ds.query('SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL')) as [{ n: number }];
    expect(pending[0].n).toBe(4);

    await nats.start();
    await logout(tokens[5]!);
    const ids = await until(streamIds, (v) => v.length === 6, 20_000);
    const outbox: { id: string }[] = await ds.query('SELECT id FROM outbox ORDER BY id');
    expect(ids).toEqual(outbox.map((r) => r.id));
    expect(new Set(ids).size).toBe(6);
    // Rows are marked sent when the relay's batch commits, just after the last publish.
    await until(() => ds.query('SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL') as Promise<[{ n: number }]>, (r) => r[0].n === 0);
  }, 40_000);
});
