import { ensureEventStream, publishGenesisCheckpoint } from '@gatehouse/revocation-events';
import { createHttpApp, createLogger } from '@gatehouse/service-runtime';
import { createTestDatabase, type TestDatabase } from '@gatehouse/testing';
import { Controller, Get, Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { connect, type NatsConnection } from 'nats';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { resourceServiceImports } from '../index';

@Controller()
class ProbeController {
  @Get('things') things(): { ok: true } {
    return { ok: true };
  }
}

/** The factory boots a real resource service: database, verifier (JWKS + stream), runtime, metrics. */
describe('resourceServiceImports', () => {
  const suffix = randomBytes(4).toString('hex');
  const stream = `T_RES_${suffix}`;
  let db: TestDatabase;
  let nc: NatsConnection;
  let jwks: Server;
  let app: NestFastifyApplication;
  let url: string;

  beforeAll(async () => {
    db = await createTestDatabase('resource_service');
    nc = await connect({ servers: 'nats://127.0.0.1:4222' });
    await ensureEventStream(await nc.jetstreamManager(), { name: stream, subjectPrefix: `r${suffix}` });
    await publishGenesisCheckpoint(nc, { stream, prefix: `r${suffix}` });
    const jwk = { ...(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' }) as object), kid: 'k1', alg: 'RS256', use: 'sig' };
    jwks = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
    const a = jwks.address();
    const logger = createLogger('resource-test', 'silent');
    const config = {
      ISSUER: 'http://issuer.test',
      JWKS_URI: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/jwks`,
      NATS_URL: 'nats://127.0.0.1:4222',
      REVOCATION_MAX_STALENESS: 30,
      EVENTS_STREAM: stream,
      EVENTS_SUBJECT_PREFIX: `r${suffix}`,
      DATABASE_URL: db.url,
      NODE_ENV: 'test',
    };
    @Module({ imports: resourceServiceImports({ service: 'resource-test', audience: 'things', config, logger, migrations: [], migrationLockId: 7_316_199 }), controllers: [ProbeController] })
    class TestModule {}
    app = await createHttpApp(TestModule, { logger, bodyLimitBytes: 16384, trustProxy: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = await app.getUrl();
  });
  afterAll(async () => {
    await app?.close();
    await (await nc.jetstreamManager()).streams.delete(stream).catch(() => undefined);
    await nc.close();
    await new Promise<void>((r) => jwks.close(() => r()));
    await db.drop();
  });

  it('reports database, jwks and revocations in readiness', async () => {
    const deadline = Date.now() + 10_000;
    let res = await fetch(`${url}/health/ready`);
    while (res.status !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      res = await fetch(`${url}/health/ready`);
    }
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', checks: { database: true, jwks: true, revocations: true } });
  });

  it('protects every route, answers with requestId, and counts refusals in /metrics', async () => {
    const res = await fetch(`${url}/things`, { headers: { authorization: 'Bearer not.a.token' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(await res.json()).toMatchObject({ code: 'AUTH_TOKEN_INVALID', requestId: expect.any(String) });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/auth_verify_rejections_total\{reason="[a-z_]+"[^}]*\} [1-9]/);
  });
});
