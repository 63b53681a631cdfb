import { EVENT_SUBJECTS } from '@gatehouse/contracts';
import { ensureEventStream, EventPublisher, publishGenesisCheckpoint } from '@gatehouse/revocation-events';
import { connect, type NatsConnection } from 'nats';
import * as crypto from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { JwksCache, RevocationStore, TokenVerifier, VerifiedTokenCache } from '../index';
import { startIssuerFixture, type IssuerFixture } from './issuer-fixture';
import { startVerifierApp } from './verifier-app';

/** The verified-token cache never outlives what made the token valid: its signature, its key, its exp. */
describe('reused tokens (verified-token cache)', () => {
  const POOL = 2;
  const suffix = crypto.randomBytes(4).toString('hex');
  const stream = `T_REUSE_${suffix}`;
  const prefix = `r${suffix}`;
  let issuer: IssuerFixture;
  let nc: NatsConnection;
  let jwks: Server;
  let publish = true;
  let verifier: Awaited<ReturnType<typeof startVerifierApp>>;

  beforeAll(async () => {
    issuer = await startIssuerFixture();
    const jwk = { ...(crypto.createPublicKey(issuer.privateKey).export({ format: 'jwk' }) as object), kid: issuer.kid, alg: 'RS256', use: 'sig' };
    // A JWKS whose key can be withdrawn, as a forced rotation does.
    jwks = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: publish ? [jwk] : [] })));
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
    const a = jwks.address();
    nc = await connect({ servers: 'nats://127.0.0.1:4222' });
    await ensureEventStream(await nc.jetstreamManager(), { name: stream, subjectPrefix: prefix });
    await publishGenesisCheckpoint(nc, { stream, prefix });
    verifier = await startVerifierApp({
      issuer: issuer.issuer,
      audience: 'orders',
      jwksUri: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/jwks`,
      natsUrl: 'nats://127.0.0.1:4222',
      stream,
      subjectPrefix: prefix,
      // Two RSA checks on the thread pool at once, whatever the machine: the pooled path and the inline one beyond it are both exercised.
      poolVerifications: POOL,
    });
    expect(await verifier.store.waitUntilCaughtUp(5000)).toBe(true);
  });
  afterAll(async () => {
    await verifier.app.close();
    await (await nc.jetstreamManager()).streams.delete(stream).catch(() => undefined);
    await nc.close();
    await issuer.close();
    await new Promise<void>((r) => jwks.close(() => r()));
  });

  const get = (token: string) => fetch(`${verifier.url}/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
  /** Two requests with a new token, so that it is cached (stored on its second verification); the second one's status. */
  const use = async (token: string) => (await get(token)) === 200 ? get(token) : Promise.resolve(-1);

  it('verifies a new token once for parallel requests, off the event loop, and refuses a forged one', async () => {
    const token = issuer.token();
    const tokens = verifier.app.get(TokenVerifier);
    const set = jest.spyOn(tokens.verified, 'set');
    try {
      const first = tokens.verify(token);
      const second = tokens.verify(token);
      expect(first).toBeInstanceOf(Promise); // the RSA check runs on the thread pool
      expect(second).toBe(first); // single flight: one verification for both callers
      const claims = await first;
      expect(claims.sub).toBeDefined();
      expect(set).toHaveBeenCalledTimes(1);
      // The first verification only marks the token as seen; the second stores it.
      const again = await tokens.verify(token);
      expect(tokens.verify(token)).toBe(again); // now a synchronous cache hit
      expect(set).toHaveBeenCalledTimes(2);
      const [h, p, sig] = issuer.token().split('.') as [string, string, string];
      const forged = `${h}.${p}.${sig.slice(0, 10)}${sig[10] === 'A' ? 'B' : 'A'}${sig.slice(11)}`; // same length, canonical, wrong
      await expect(tokens.verify(forged)).rejects.toMatchObject({ reason: 'signature' });
      expect(await Promise.all([get(token), get(forged)])).toEqual([200, 401]);
    } finally {
      set.mockRestore();
    }
  });

  it('verifies a burst of new tokens beyond the pool bound (pooled and inline), refusing each forged one', async () => {
    const tokens = verifier.app.get(TokenVerifier);
    const burst = Array.from({ length: POOL * 4 + 3 }, (_, i) => {
      const token = issuer.token();
      if (i % 3 !== 1) return { token, valid: true };
      const [h, p, sig] = token.split('.') as [string, string, string];
      return { token: `${h}.${p}.${sig.slice(0, 20)}${sig[20] === 'A' ? 'B' : 'A'}${sig.slice(21)}`, valid: false };
    });
    // Inline checks answer (or throw) synchronously, pooled ones through a promise.
    const outcomes = await Promise.all(burst.map(({ token }) => new Promise((resolve) => resolve(tokens.verify(token))).then(() => true, () => false)));
    expect(outcomes).toEqual(burst.map((b) => b.valid));
  });

  it('verifies inline and answers synchronously when the pool has no room (poolVerifications 0)', () => {
    const app = verifier.app;
    const inline = new TokenVerifier({ issuer: issuer.issuer, audience: 'orders', leewaySeconds: 30, poolVerifications: 0 }, app.get(JwksCache), app.get(RevocationStore), new VerifiedTokenCache(100));
    const token = issuer.token();
    const claims = inline.verify(token);
    expect(claims).not.toBeInstanceOf(Promise);
    expect((claims as { sub: string }).sub).toBeDefined();
    const stored = inline.verify(token); // verified again (inline, synchronously) and now stored
    expect(stored).not.toBeInstanceOf(Promise);
    expect(inline.verify(token)).toBe(stored); // the cache hit returns the same claims
    const [h, p, sig] = issuer.token().split('.') as [string, string, string];
    let refused: unknown;
    try {
      void inline.verify(`${h}.${p}.${sig.slice(0, 10)}${sig[10] === 'A' ? 'B' : 'A'}${sig.slice(11)}`);
    } catch (err) {
      refused = err;
    }
    expect(refused).toMatchObject({ reason: 'signature' }); // thrown synchronously
  });

  it('verifies a reused token twice (the second verification stores it) and serves the other reuses from the cache', async () => {
    const token = issuer.token();
    const cache = verifier.app.get(TokenVerifier).verified;
    const set = jest.spyOn(cache, 'set');
    try {
      for (let i = 0; i < 5; i++) expect(await get(token)).toBe(200);
      expect(set).toHaveBeenCalledTimes(2);
      expect(cache.get(token)?.kid).toBe(issuer.kid);
    } finally {
      set.mockRestore();
    }
  });

  it('never lets a cached token vouch for an altered one', async () => {
    const token = issuer.token();
    expect(await use(token)).toBe(200);
    const last = token.at(-2) === 'A' ? 'B' : 'A';
    expect(await get(`${token.slice(0, -2)}${last}${token.at(-1)}`)).toBe(401);
  });

  it('refuses a cached token from its exp on', async () => {
    // Two seconds ahead, so that the first request cannot land in the second of exp on a slow machine.
    const exp = Math.floor(Date.now() / 1000) + 2;
    const token = issuer.token({ exp });
    expect(await use(token)).toBe(200);
    await new Promise((r) => setTimeout(r, exp * 1000 - Date.now() + 50));
    expect(await get(token)).toBe(401);
  });

  it('refuses a cached token once it is revoked, and keeps admitting the other cached ones', async () => {
    const [revoked, sessionEnded, other] = [issuer.token(), issuer.token(), issuer.token()];
    for (const t of [revoked, sessionEnded, other]) expect(await use(t)).toBe(200);
    const claimsOf = (t: string) => JSON.parse(Buffer.from(t.split('.')[1] ?? '', 'base64url').toString()) as { jti: string; sid: string; exp: number };
    const publisher = new EventPublisher(nc, { prefix, timeoutMs: 5000 });
    const applied = verifier.store.applied;
    await publisher.publish(EVENT_SUBJECTS.revokedToken, { v: 1, jti: claimsOf(revoked).jti, exp: claimsOf(revoked).exp }, `reuse-${suffix}-jti`);
    await publisher.publish(EVENT_SUBJECTS.revokedSession, { v: 1, sid: claimsOf(sessionEnded).sid, until: claimsOf(sessionEnded).exp }, `reuse-${suffix}-sid`);
    const deadline = Date.now() + 5000;
    while (verifier.store.applied < applied + 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    for (let i = 0; i < 2; i++) {
      expect(await get(revoked)).toBe(401);
      expect(await get(sessionEnded)).toBe(401);
      expect(await get(other)).toBe(200);
    }
  });

  it('refuses a cached token once its key has left the JWKS', async () => {
    const token = issuer.token();
    expect(await use(token)).toBe(200);
    expect(verifier.app.get(TokenVerifier).verified.get(token)).toBeDefined();
    publish = false;
    try {
      await verifier.app.get(JwksCache).refresh();
      expect(await get(token)).toBe(401);
    } finally {
      publish = true;
      await verifier.app.get(JwksCache).refresh();
    }
  });
});
