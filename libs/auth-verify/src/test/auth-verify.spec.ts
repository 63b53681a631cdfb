import type { EventPublisher } from '@gatehouse/revocation-events';
import { startTrapServer, type TrapServer } from '@gatehouse/testing';
import { createHmac, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { b64, startIssuerFixture, type IssuerFixture } from './issuer-fixture';
import { startStreamFixture, type StreamFixture } from './stream-fixture';
import { startVerifierApp } from './verifier-app';
import { JwksCache } from '../index';

describe('AuthVerifyModule', () => {
  let issuer: IssuerFixture;
  let events: StreamFixture;
  let publisher: EventPublisher;
  let verifier: Awaited<ReturnType<typeof startVerifierApp>>;
  let trap: TrapServer;
  let trapUrl: string;
  const trapHits = () => trap.hits();

  const options = () => ({ issuer: issuer.issuer, audience: 'orders', jwksUri: issuer.jwksUri, natsUrl: 'nats://127.0.0.1:4222', stream: events.stream, subjectPrefix: events.prefix, jwksCooldownMs: 60_000 });

  beforeAll(async () => {
    issuer = await startIssuerFixture();
    events = await startStreamFixture('VERIFY');
    publisher = events.publisher;
    trap = await startTrapServer();
    trapUrl = trap.url;
    verifier = await startVerifierApp(options());
    expect(await verifier.store.waitUntilCaughtUp(5000)).toBe(true);
  });
  afterAll(async () => {
    await verifier.app.close();
    await events.dispose();
    await issuer.close();
    await trap.close();
  });

  const get = (path: string, token?: string, url = verifier.url) => fetch(`${url}${path}`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  async function until(fn: () => Promise<boolean>, ms = 3000): Promise<number> {
    const start = performance.now();
    while (!(await fn())) {
      if (performance.now() - start > ms) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 2));
    }
    return performance.now() - start;
  }

  it('accepts a valid token and exposes its claims', async () => {
    const res = await get('/me', issuer.token({ sub: 'user-1' }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sub: 'user-1' });
  });

  it('keeps @Public() routes open and everything else closed', async () => {
    expect((await get('/open')).status).toBe(200);
    const res = await get('/me');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  });

  it('answers a missing scope with 403 insufficient_scope', async () => {
    const res = await get('/write', issuer.token({ scope: 'orders:read' }));
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toMatch(/error="insufficient_scope"/);
    expect((await get('/write', issuer.token({ scope: 'orders:read orders:write' }))).status).toBe(200);
  });

  const now = () => Math.floor(Date.now() / 1000);
  const hs256 = (secret: string | Buffer, header: Record<string, unknown> = {}) => {
    const input = `${b64({ alg: 'HS256', typ: 'at+jwt', kid: issuer.kid, ...header })}.${b64({ iss: issuer.issuer, sub: 'x', aud: 'orders', exp: now() + 60, iat: now(), jti: 'j', client_id: 'c', scope: 'orders:read' })}`;
    return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
  };
  const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

  const hostile: [string, () => string][] = [
    ['alg none', () => `${b64({ alg: 'none', typ: 'at+jwt', kid: issuer.kid })}.${b64({ sub: 'x' })}.`],
    ['HS256 signed with the public key PEM', () => hs256(issuer.publicPem)],
    ['RS256 by a foreign key with our kid', () => issuer.token({}, {}, foreign)],
    ['typ JWT', () => issuer.token({}, { typ: 'JWT' })],
    ['typ missing', () => issuer.token({}, { typ: undefined })],
    ['expired', () => issuer.token({ exp: now() - 120, iat: now() - 600 })],
    ['wrong audience', () => issuer.token({ aud: 'inventory' })],
    ['wrong issuer', () => issuer.token({ iss: 'http://evil.test' })],
    ['unknown kid', () => issuer.token({}, { kid: 'nope' })],
    ['jku header', () => issuer.token({}, { jku: trapUrl })],
    ['x5u header', () => issuer.token({}, { x5u: trapUrl })],
    ['embedded jwk', () => issuer.token({}, { jwk: { kty: 'RSA', n: 'AQAB', e: 'AQAB' } })],
    ['crit', () => issuer.token({}, { crit: ['exp'] })],
    ['malformed base64', () => 'e30.%%%.abc'],
    ['malformed JSON header', () => `${Buffer.from('{"alg":').toString('base64url')}.${b64({})}.sig`],
    ['an opaque refresh token', () => randomBytes(32).toString('base64url')],
    ['payload that is an array', () => issuer.token([])],
    ['payload that is a string', () => issuer.token('hello')],
    ['payload that is null', () => issuer.token(null)],
    ['claims of the wrong type', () => issuer.token({ exp: String(now() + 60) })],
    ['iat far in the future', () => issuer.token({ iat: now() + 3600, exp: now() + 7200 })],
  ];

  it.each(hostile)('rejects %s with 401 invalid_token', async (_name, make) => {
    const res = await get('/me', make());
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(trapHits()).toBe(0);
  });

  it('accepts a valid token through the passport-jwt strategy too', async () => {
    const res = await get('/via-passport', issuer.token({ sub: 'user-p' }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sub: 'user-p' });
    expect((await get('/via-passport')).status).toBe(401);
  });

  it.each(hostile)('rejects %s with 401 invalid_token through the passport-jwt strategy', async (_name, make) => {
    const res = await get('/via-passport', make());
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(trapHits()).toBe(0);
  });

  it('fetches the JWKS at most once per cooldown under a flood of random kids', async () => {
    const before = issuer.fetches();
    await Promise.all(Array.from({ length: 50 }, () => get('/me', issuer.token({}, { kid: randomUUID() }))));
    expect(issuer.fetches() - before).toBeLessThanOrEqual(1);
  });

  it('keeps verifying with cached keys while the JWKS endpoint fails (stale-if-error)', async () => {
    issuer.setJwksMode('fail');
    try {
      expect((await get('/me', issuer.token())).status).toBe(200);
    } finally {
      issuer.setJwksMode('ok');
    }
  });

  it('a verifier that starts before the issuer becomes usable within seconds once the JWKS answers', async () => {
    issuer.setJwksMode('fail');
    const early = await startVerifierApp(options());
    try {
      expect((await get('/me', issuer.token(), early.url)).status).toBe(401);
      expect((await fetch(`${early.url}/health/ready`)).status).toBe(200); // this test app's probe ignores the verifier
      issuer.setJwksMode('ok');
      await until(async () => (await get('/me', issuer.token(), early.url)).status === 200, 5000);
    } finally {
      issuer.setJwksMode('ok');
      await early.app.close();
    }
  });

  it('rejects a token once its session is revoked, within milliseconds, and counts it', async () => {
    const sid = randomUUID();
    const token = issuer.token({ sid });
    expect((await get('/me', token)).status).toBe(200);
    expect((await get('/via-passport', token)).status).toBe(200);
    const t0 = performance.now();
    await publisher.publish('gatehouse.revoked.session', { v: 1, sid, until: now() + 300 }, randomUUID());
    await until(async () => (await get('/me', token)).status === 401);
    expect((await get('/via-passport', token)).status).toBe(401);
    process.stdout.write(`auth-verify: revocation applied in ${(performance.now() - t0).toFixed(1)} ms\n`);
    const metrics = await (await fetch(`${verifier.url}/metrics`)).text();
    expect(metrics).toMatch(/auth_verify_rejections_total\{reason="revoked_session"[^}]*\} [1-9]/);
  });

  it('denies by jti, by subject not-before and by client not-before', async () => {
    const t1 = issuer.token();
    const jti = JSON.parse(Buffer.from(t1.split('.')[1]!, 'base64url').toString()).jti as string;
    await publisher.publish('gatehouse.revoked.token', { v: 1, jti, exp: now() + 300 }, randomUUID());
    const t2 = issuer.token({ sub: 'subject-x' });
    await publisher.publish('gatehouse.revoked.subject', { v: 1, sub: 'subject-x', notBefore: now() }, randomUUID());
    const t3 = issuer.token({ client_id: 'svc-x', sid: undefined, sub: 'svc-x' });
    await publisher.publish('gatehouse.revoked.client', { v: 1, clientId: 'svc-x', notBefore: now() }, randomUUID());
    for (const t of [t1, t2, t3]) await until(async () => (await get('/me', t)).status === 401);
  });

  it('a forced rotation event drops keys it does not name at once, and a lagging JWKS cannot bring them back', async () => {
    const other = await startIssuerFixture(); // same shape, its own key: plays "the issuer after rotation"
    const v = await startVerifierApp({ ...options(), issuer: issuer.issuer });
    try {
      expect(await v.store.waitUntilCaughtUp(5000)).toBe(true);
      const token = issuer.token();
      expect((await get('/me', token, v.url)).status).toBe(200);
      issuer.setJwksMode('fail');
      await publisher.publish('gatehouse.keys.rotated', { v: 1, kids: [other.kid] }, randomUUID());
      await until(async () => (await get('/me', token, v.url)).status === 401);
      // The issuer still serves the old key (its JWKS lags the commit): a refetch must not restore it.
      issuer.setJwksMode('ok');
      await v.app.get(JwksCache).refresh();
      expect((await get('/me', issuer.token(), v.url)).status).toBe(401);
    } finally {
      issuer.setJwksMode('ok');
      await v.app.close();
      await other.close();
    }
  });

  it('a verifier started after revocations rejects the revoked token on its very first request', async () => {
    const sid = randomUUID();
    const token = issuer.token({ sid });
    await publisher.publish('gatehouse.revoked.session', { v: 1, sid, until: now() + 300 }, randomUUID());
    const late = await startVerifierApp(options());
    try {
      expect(await late.store.waitUntilCaughtUp(5000)).toBe(true);
      expect((await get('/me', token, late.url)).status).toBe(401);
      expect((await get('/me', issuer.token(), late.url)).status).toBe(200);
    } finally {
      await late.app.close();
    }
  });
});
