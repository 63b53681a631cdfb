import { GatehouseVerifier } from '@gatehouse/auth-verify';
import { ensureEventStream } from '@gatehouse/revocation-events';
import { connect, type NatsConnection } from 'nats';
import { eventsCommand } from '../app/cli/events-command';
import { createLogger } from '@gatehouse/service-runtime';
import { testStream, until, type TestStream } from './stream-helpers';
import { postJson, startAuthService, type TestAuthService } from './test-auth-app';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * A stream that lost events is never trusted (docs/adr/0003-nats-accounts-and-permissions.md):
 * on the plain development NATS, purge or re-create the stream → a fresh verifier neither accepts
 * a revoked token nor reports ready → auth-service re-publishes the live set from Postgres (by
 * itself, or `main.js events restore`) → the verifier becomes ready by itself, accepts a fresh
 * token and still refuses the revoked ones.
 */
describe('a stream that lost events', () => {
  let ts: TestStream;
  let svc: TestAuthService;
  /** A second replica without relay on the same database: serves the JWKS while `svc` is stopped. */
  let keys: TestAuthService;
  let nc: NatsConnection;
  const verifiers: GatehouseVerifier[] = [];
  let n = 0;

  beforeAll(async () => {
    ts = await testStream('restore');
    svc = await startAuthService('stream_restore', { ...ts.env, EVENTS_CHECKPOINT_INTERVAL: '1' });
    keys = await startAuthService('stream_restore', { OUTBOX_RELAY: 'false', KEY_ENCRYPTION_KEY: svc.config.KEY_ENCRYPTION_KEY ?? '' }, svc.db);
    nc = await connect({ servers: 'nats://127.0.0.1:4222' });
  });
  afterAll(async () => {
    await Promise.all(verifiers.map((v) => v.stop()));
    await keys.stop();
    await svc.dispose();
    await nc.close();
    await ts.close();
  });

  const freshVerifier = async () => {
    const v = new GatehouseVerifier({ issuer: svc.config.ISSUER, audience: 'orders', jwksUri: `${keys.url}/.well-known/jwks.json`, natsUrl: 'nats://127.0.0.1:4222', stream: ts.stream, subjectPrefix: ts.prefix, logger: quiet });
    verifiers.push(v);
    await v.start();
    return v;
  };
  /** 200, 401 or 503, as a resource service would answer. */
  const answer = async (v: GatehouseVerifier, token: string): Promise<number> => {
    try {
      await v.authenticate({ rawHeaders: ['authorization', `Bearer ${token}`] });
      return 200;
    } catch (err) {
      return (err as { status?: number }).status ?? 500;
    }
  };
  /** auth-service's `outbox_stream_restores_total`. */
  const restores = async (): Promise<number> => {
    const line = (await (await fetch(`${svc.url}/metrics`)).text()).split('\n').find((l) => l.startsWith('outbox_stream_restores_total'));
    return Number(line?.split(' ').at(-1) ?? NaN);
  };
  const ready = (v: GatehouseVerifier) => Promise.resolve(v.readiness().revocations);
  async function login(): Promise<string> {
    const email = `restore-${++n}@example.com`;
    await postJson(`${svc.url}/auth/register`, { email, password: 'restore-password' });
    return String((await postJson(`${svc.url}/auth/login`, { email, password: 'restore-password' })).body['access_token']);
  }
  const post = (path: string, token: string) => fetch(`${svc.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  /** Two revoked tokens (a session and a subject revocation) that a trusted verifier refuses. */
  async function revokedTokens(v: GatehouseVerifier): Promise<string[]> {
    const [a, b] = [await login(), await login()];
    expect((await post('/auth/logout', a)).status).toBe(204);
    expect((await post('/auth/logout-all', b)).status).toBe(204);
    await until(async () => [await answer(v, a), await answer(v, b)], (s) => s.every((x) => x === 401), 10_000);
    return [a, b];
  }
  async function expectRecovered(v: GatehouseVerifier, revoked: string[]): Promise<void> {
    await until(() => ready(v), (r) => r, 15_000);
    for (const t of revoked) expect(await answer(v, t)).toBe(401);
    // Subject not-before is second-granular: a login in the same second as logout-all is refused too.
    await new Promise((r) => setTimeout(r, 1100));
    expect(await answer(v, await login())).toBe(200);
  }

  it('purged: a fresh verifier fails closed and is not ready until the restarted auth-service restores the set', async () => {
    const first = await freshVerifier();
    await until(() => ready(first), (r) => r, 10_000);
    const revoked = await revokedTokens(first);

    await svc.stop(); // nobody restores while we look
    await (await nc.jetstreamManager()).streams.purge(ts.stream);
    const fresh = await freshVerifier();
    expect(await fresh.revocations.waitUntilCaughtUp(5000)).toBe(true);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await ready(fresh)).toBe(false);
    for (const t of revoked) expect(await answer(fresh, t)).toBe(503);

    svc = await svc.restart();
    await expectRecovered(fresh, revoked);
    // The verifier that saw the events before the purge refuses them still.
    for (const t of revoked) expect(await answer(first, t)).toBe(401);
  }, 60_000);

  it('deleted and re-created empty: the same, restored by `main.js events restore`', async () => {
    const v = await freshVerifier();
    await until(() => ready(v), (r) => r, 10_000);
    const revoked = await revokedTokens(v);
    const config = svc.config;
    await svc.stop();
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(ts.stream);
    await ensureEventStream(jsm, { name: ts.stream, subjectPrefix: ts.prefix });

    const fresh = await freshVerifier();
    expect(await fresh.revocations.waitUntilCaughtUp(5000)).toBe(true);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await ready(fresh)).toBe(false);
    for (const t of revoked) expect(await answer(fresh, t)).toBe(503);

    const out: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => out.push(String(chunk)) > 0);
    let code: number;
    try {
      code = await eventsCommand(config, ['check'], createLogger('events-cli', 'silent'));
      expect(code).toBe(3);
      code = await eventsCommand(config, ['restore'], createLogger('events-cli', 'silent'));
    } finally {
      write.mockRestore();
    }
    expect(code).toBe(0);
    expect(JSON.parse(out[0] ?? '{}')).toMatchObject({ intact: false });
    expect(JSON.parse(out[1] ?? '{}')).toMatchObject({ intact: true, checkpoint: 'checkpoint', skipped: 0 });
    expect((JSON.parse(out[1] ?? '{}') as { republished: number }).republished).toBeGreaterThanOrEqual(4);

    svc = await svc.restart();
    await expectRecovered(fresh, revoked);
  }, 60_000);

  it('purged while auth-service runs: it notices and restores by itself; fresh verifiers become ready', async () => {
    const v = await freshVerifier();
    await until(() => ready(v), (r) => r, 10_000);
    const revoked = await revokedTokens(v);
    const before = await restores();
    await (await nc.jetstreamManager()).streams.purge(ts.stream);
    const fresh = await freshVerifier();
    await expectRecovered(fresh, revoked);
    for (const t of revoked) expect(await answer(v, t)).toBe(401);
    // One detection, counted for alerting; later rounds found the restored stream intact.
    expect((await restores()) - before).toBe(1);
  }, 60_000);
});
