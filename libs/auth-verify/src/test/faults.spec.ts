import { ensureEventStream, EventPublisher, publishGenesisCheckpoint } from '@gatehouse/revocation-events';
import { startNatsServer, type TestNatsServer } from '@gatehouse/testing';
import { connect } from 'nats';
import { randomUUID } from 'node:crypto';
import { startIssuerFixture, type IssuerFixture } from './issuer-fixture';
import { startVerifierApp } from './verifier-app';

describe('verifier under failure', () => {
  let issuer: IssuerFixture;
  let nats: TestNatsServer;
  let verifier: Awaited<ReturnType<typeof startVerifierApp>>;

  beforeAll(async () => {
    issuer = await startIssuerFixture();
    nats = await startNatsServer();
    const nc = await connect({ servers: nats.url });
    await ensureEventStream(await nc.jetstreamManager());
    await publishGenesisCheckpoint(nc);
    await nc.close();
    verifier = await startVerifierApp({
      issuer: issuer.issuer,
      audience: 'orders',
      jwksUri: issuer.jwksUri,
      natsUrl: nats.url,
      maxStalenessMs: 1500,
      jwksCooldownMs: 60_000,
      jwksTimeoutMs: 300,
    });
    expect(await verifier.store.waitUntilCaughtUp(5000)).toBe(true);
  });
  afterAll(async () => {
    await verifier.app.close();
    await nats.dispose();
    await issuer.close();
  });

  const status = async (token: string) => (await fetch(`${verifier.url}/me`, { headers: { authorization: `Bearer ${token}` } })).status;
  async function until(fn: () => Promise<boolean>, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await fn())) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('cut off from NATS beyond the staleness limit: user tokens fail closed (503), service tokens pass; it recovers by itself', async () => {
    const userToken = issuer.token();
    const serviceToken = issuer.token({ sid: undefined, sub: 'svc', client_id: 'svc' });
    expect(await status(userToken)).toBe(200);
    await nats.kill();
    await until(async () => (await status(userToken)) === 503, 10_000);
    expect(await status(serviceToken)).toBe(200);
    await nats.start();
    await until(async () => (await status(userToken)) === 200, 15_000);

    // And what was published while it was away is applied.
    const nc = await connect({ servers: nats.url });
    const sid = randomUUID();
    const revoked = issuer.token({ sid });
    await new EventPublisher(nc).publish('gatehouse.revoked.session', { v: 1, sid, until: Math.floor(Date.now() / 1000) + 300 }, randomUUID());
    await nc.close();
    await until(async () => (await status(revoked)) === 401, 5000);
  }, 40_000);

  it('JWKS endpoint hanging: known keys keep verifying, unknown kids cause at most one fetch', async () => {
    issuer.setJwksMode('hang');
    try {
      const before = issuer.fetches();
      const t0 = performance.now();
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => status(i % 2 ? issuer.token() : issuer.token({}, { kid: randomUUID() }))));
      expect(results.filter((s) => s === 200)).toHaveLength(15);
      expect(results.filter((s) => s === 401)).toHaveLength(15);
      expect(issuer.fetches() - before).toBeLessThanOrEqual(1);
      expect(performance.now() - t0).toBeLessThan(5000);
    } finally {
      issuer.setJwksMode('ok');
    }
  });
});
