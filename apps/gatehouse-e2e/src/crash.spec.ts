import { createTestDatabase, startNatsServer, startServiceProcess, type TestDatabase, type TestNatsServer } from '@gatehouse/testing';
import { connect } from 'nats';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { post } from './cluster';

/** kill -9 of auth-service after a revocation committed but before it was published. */
describe('auth-service crash between commit and publish', () => {
  let nats: TestNatsServer;
  let db: TestDatabase;
  beforeAll(async () => {
    nats = await startNatsServer();
    db = await createTestDatabase('crash');
  });
  afterAll(async () => {
    await nats.dispose();
    await db.drop();
  });

  const unsent = async () => {
    const c = new Client({ connectionString: db.url });
    await c.connect();
    try {
      return (await c.query<{ id: string; subject: string }>('SELECT id, subject FROM outbox WHERE sent_at IS NULL ORDER BY id')).rows;
    } finally {
      await c.end();
    }
  };

  it('publishes the committed event after restart, exactly once', async () => {
    const env = { DATABASE_URL: db.url, NATS_URL: nats.url, KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'), BCRYPT_COST: '10' };
    const first = await startServiceProcess('auth-service', env);
    let restarted: Awaited<ReturnType<typeof startServiceProcess>> | undefined;
    try {
      await post(`${first.url}/auth/register`, { email: 'crash@example.com', password: 'crash-password' });
      const login = await post(`${first.url}/auth/login`, { email: 'crash@example.com', password: 'crash-password' });
      await nats.kill(); // the relay cannot publish now
      const out = await fetch(`${first.url}/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${String(login.body['access_token'])}` } });
      expect(out.status).toBe(204);
      const pending = await unsent();
      expect(pending.map((r) => r.subject)).toEqual(['gatehouse.revoked.session']);
      await first.kill();

      await nats.start();
      restarted = await startServiceProcess('auth-service', env);
      const deadline = Date.now() + 15_000;
      while ((await unsent()).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(await unsent()).toEqual([]);

      const nc = await connect({ servers: nats.url });
      try {
        // One event (the relay's checkpoints aside).
        const info = await (await nc.jetstreamManager()).streams.info('GATEHOUSE_EVENTS', { subjects_filter: 'gatehouse.revoked.>' });
        expect(info.state.subjects).toEqual({ 'gatehouse.revoked.session': 1 });
        const msg = await (await nc.jetstreamManager()).streams.getMessage('GATEHOUSE_EVENTS', { last_by_subj: 'gatehouse.revoked.session' });
        expect(msg.header?.get('Nats-Msg-Id')).toBe(pending[0]!.id);
      } finally {
        await nc.close();
      }
    } finally {
      await first.stop();
      await restarted?.stop();
    }
  });
});
