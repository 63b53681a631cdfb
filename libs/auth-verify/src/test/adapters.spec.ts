import { hostileTokenCorpus, startTrapServer, type CorpusCase, type TrapServer } from '@gatehouse/testing';
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { startAdapterApp, type AdapterApp } from './adapter-apps';
import { startIssuerFixture, type IssuerFixture } from './issuer-fixture';
import { startStreamFixture, type StreamFixture } from './stream-fixture';

/**
 * The three adapters (Nest module, Express middleware, Fastify plugin) give the same answers:
 * the shared hostile-token corpus, 401/403/503 with the same headers and codes, revocations,
 * and the same rejection metric.
 */
describe.each(['nest', 'express', 'fastify'] as const)('%s adapter', (adapter) => {
  let issuer: IssuerFixture;
  let events: StreamFixture;
  let app: AdapterApp;
  let trap: TrapServer;
  let corpus: CorpusCase[] = [];
  const sub = randomUUID();

  const options = (over: { stream?: string } = {}) => ({ issuer: issuer.issuer, audience: 'orders', jwksUri: issuer.jwksUri, natsUrl: 'nats://127.0.0.1:4222', stream: events.stream, subjectPrefix: events.prefix, jwksCooldownMs: 60_000, ...over });

  beforeAll(async () => {
    issuer = await startIssuerFixture();
    events = await startStreamFixture('ADAPT');
    trap = await startTrapServer();
    corpus = hostileTokenCorpus({ issuer: issuer.issuer, kid: issuer.kid, key: issuer.privateKey, sub, audience: 'orders', scopes: ['orders:read', 'orders:write'], trapUrl: trap.url });
    app = await startAdapterApp(adapter, options());
    expect(await app.waitUntilCaughtUp(5000)).toBe(true);
  });
  afterAll(async () => {
    await app?.close();
    await events.dispose();
    await issuer.close();
    await trap.close();
  });

  const get = (path: string, token?: string, url = app.url) => fetch(`${url}${path}`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });

  it('answers the shared hostile-token corpus like every adapter, without contacting a URL from a token', async () => {
    expect(corpus.length).toBeGreaterThanOrEqual(60);
    const answers: Record<string, number> = {};
    const expected: Record<string, number> = {};
    for (const [name, make, status] of corpus) {
      answers[name] = (await get('/read', make())).status;
      expected[name] = status;
    }
    expect(answers).toEqual(expected);
    expect(trap.hits()).toBe(0);
    expect(await app.rejections('signature')).toBeGreaterThan(0);
    expect(await app.rejections('alg')).toBeGreaterThan(0);
  });

  it('refuses a missing token with 401 invalid_token and { code, message }, and lets public routes through', async () => {
    const res = await get('/me');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toMatchObject({ code: 'AUTH_TOKEN_INVALID', message: expect.any(String) });
    expect((await get('/open')).status).toBe(200);
    expect(await app.rejections('missing')).toBeGreaterThan(0);
  });

  it('answers an unknown path without a token with 404 (Nest, Fastify) or 401 (Express: the middleware runs before routing)', async () => {
    expect((await get('/no-such-route')).status).toBe(adapter === 'express' ? 401 : 404);
    expect((await get('/no-such-route', issuer.token())).status).toBe(404);
  });

  it('exposes the verified claims and answers a missing scope with 403 insufficient_scope', async () => {
    const token = issuer.token({ sub: 'user-7', scope: 'orders:read' });
    const me = await get('/me', token);
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({ sub: 'user-7' });
    const write = await get('/write', token);
    expect(write.status).toBe(403);
    expect(write.headers.get('www-authenticate')).toBe('Bearer error="insufficient_scope", scope="orders:write"');
    expect(await write.json()).toMatchObject({ code: 'AUTH_INSUFFICIENT_SCOPE' });
  });

  it('applies delegation rules alike: require (a listed actor for a user) and forbid, 403 AUTH_FORBIDDEN otherwise', async () => {
    const user = issuer.token({ sub: 'user-8' });
    const exchanged = issuer.token({ sub: 'user-8', client_id: 'orders-service', act: { sub: 'orders-service' }, origin_client_id: 'gatehouse' });
    const other = issuer.token({ sub: 'user-8', client_id: 'billing', act: { sub: 'billing' } });
    const delegated = await get('/delegated', exchanged);
    expect(delegated.status).toBe(200);
    expect(await delegated.json()).toEqual({ sub: 'user-8', actors: ['orders-service'] });
    for (const token of [user, other]) {
      const res = await get('/delegated', token);
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ code: 'AUTH_FORBIDDEN' });
    }
    expect((await get('/direct', user)).status).toBe(200);
    expect((await get('/direct', exchanged)).status).toBe(403);
  });

  it('refuses an exchanged token once its origin client or an actor is revoked over NATS', async () => {
    const iat = Math.floor(Date.now() / 1000) - 1;
    const viaOrigin = issuer.token({ iat, client_id: 'orders-service', act: { sub: 'orders-service' }, origin_client_id: `spa-${events.prefix}` });
    const viaActor = issuer.token({ iat, client_id: 'svc-b', act: { sub: 'svc-b', act: { sub: `actor-${events.prefix}` } } });
    expect((await get('/me', viaOrigin)).status).toBe(200);
    expect((await get('/me', viaActor)).status).toBe(200);
    await events.publisher.publish('gatehouse.revoked.client', { v: 1, clientId: `spa-${events.prefix}`, notBefore: iat + 1 }, randomUUID());
    await events.publisher.publish('gatehouse.revoked.client', { v: 1, clientId: `actor-${events.prefix}`, notBefore: iat + 1 }, randomUUID());
    const deadline = Date.now() + 3000;
    while (((await get('/me', viaOrigin)).status !== 401 || (await get('/me', viaActor)).status !== 401) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect((await get('/me', viaOrigin)).status).toBe(401);
    expect((await get('/me', viaActor)).status).toBe(401);
    expect(await app.rejections('revoked_client')).toBeGreaterThan(0);
  });

  it('answers a sign-in without the required factor with 401 insufficient_user_authentication (RFC 9470), and admits one with it', async () => {
    const challenge = 'Bearer error="insufficient_user_authentication", error_description="A stronger sign-in (mfa) is required"';
    for (const token of [issuer.token({ sub: 'user-8' }), issuer.token({ sub: 'user-8', amr: ['pwd'] }), issuer.token({ sub: 'user-8', amr: ['otp'] })]) {
      const res = await get('/step-up', token);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe(challenge);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(await res.json()).toMatchObject({ code: 'AUTH_INSUFFICIENT_USER_AUTHENTICATION', message: expect.any(String) });
    }
    const stepped = await get('/step-up', issuer.token({ sub: 'user-8', amr: ['pwd', 'otp', 'mfa'], auth_time: Math.floor(Date.now() / 1000) }));
    expect(stepped.status).toBe(200);
    expect(await stepped.json()).toEqual({ sub: 'user-8' });
    // A specific method: an OTP sign-in is not a hardware key; scopes are still checked first.
    const otp = await get('/hardware', issuer.token({ scope: 'orders:write', amr: ['pwd', 'otp', 'mfa'] }));
    expect(otp.status).toBe(401);
    expect(otp.headers.get('www-authenticate')).toContain('(hwk)');
    expect((await get('/hardware', issuer.token({ scope: 'orders:write', amr: ['hwk', 'mfa'] }))).status).toBe(200);
    expect((await get('/hardware', issuer.token({ scope: 'orders:read', amr: ['hwk', 'mfa'] }))).status).toBe(403);
    // A hostile amr (not an array of short strings) is a bad token, not a pass.
    expect((await get('/step-up', issuer.token({ amr: 'mfa' }))).status).toBe(401);
    expect((await get('/step-up', issuer.token({ amr: 'mfa' }))).headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  });

  it('refuses two Authorization headers and a non-Bearer scheme', async () => {
    const token = issuer.token();
    const status = (headers: Record<string, string | string[]>) =>
      new Promise<number>((resolve, reject) => {
        const u = new URL(app.url);
        const req = request({ host: u.hostname, port: u.port, path: '/me', headers, agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    expect(await status({ authorization: [`Bearer ${token}`, `Bearer ${token}`] })).toBe(401);
    expect(await status({ authorization: `Basic ${token}` })).toBe(401);
    expect(await status({ authorization: `bearer ${token}` })).toBe(200);
  });

  it('refuses a token once its session is revoked over NATS (and its cached reuse)', async () => {
    const sid = randomUUID();
    const token = issuer.token({ sid });
    expect((await get('/me', token)).status).toBe(200);
    await events.publisher.publish('gatehouse.revoked.session', { v: 1, sid, until: Math.floor(Date.now() / 1000) + 300 }, randomUUID());
    const deadline = Date.now() + 3000;
    while ((await get('/me', token)).status !== 401 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect((await get('/me', token)).status).toBe(401);
    expect(await app.rejections('revoked_session')).toBeGreaterThan(0);
  });

  it('answers 503 SERVICE_UNAVAILABLE while the revocation stream cannot be replayed (fail closed)', async () => {
    const blind = await startAdapterApp(adapter, options({ stream: `T_MISSING_${events.prefix}` }));
    try {
      const res = await get('/me', issuer.token(), blind.url);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
      expect(await blind.rejections('stale')).toBeGreaterThan(0);
    } finally {
      await blind.close();
    }
  });
});
