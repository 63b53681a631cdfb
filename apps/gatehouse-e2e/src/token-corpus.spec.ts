import { createHmac, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import { getStatus, post, startCluster, type Cluster } from './cluster';
import { enc, readSigningKeys, signSegments } from './signing';

/**
 * Hostile-token corpus against a protected endpoint of orders-service (GET /orders, orders:read).
 * Every case must be refused with 401 (403 for a scope problem) — never a 5xx, never a network
 * call to a URL taken from the token (a trap listener counts any contact).
 */
describe('hostile token corpus → orders-service', () => {
  let c: Cluster;
  let key: KeyObject;
  let kid: string;
  let trap: Server;
  let trapUrl: string;
  let trapHits = 0;
  let user: { access: string; refresh: string; sub: string; sid: string };
  const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 });

  beforeAll(async () => {
    c = await startCluster('corpus');
    [{ key, kid }] = (await readSigningKeys(c.dbs.auth.url, c.kek)) as [{ kid: string; key: KeyObject }];
    trap = createServer((_req, res) => {
      trapHits++;
      res.end(JSON.stringify({ keys: [foreign.publicKey.export({ format: 'jwk' })] }));
    });
    await new Promise<void>((r) => trap.listen(0, '127.0.0.1', r));
    const a = trap.address();
    trapUrl = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/keys`;
    user = await login('corpus@example.com');
  });
  afterAll(async () => {
    await new Promise<void>((r) => trap.close(() => r()));
    await c?.stop();
  });

  async function login(email: string): Promise<{ access: string; refresh: string; sub: string; sid: string }> {
    await post(`${c.auth.url}/auth/register`, { email, password: 'corpus-password' });
    const res = await post(`${c.auth.url}/auth/login`, { email, password: 'corpus-password' });
    const access = String(res.body['access_token']);
    const claims = JSON.parse(Buffer.from(access.split('.')[1]!, 'base64url').toString()) as { sub: string; sid: string };
    return { access, refresh: String(res.body['refresh_token']), ...claims };
  }

  const now = () => Math.floor(Date.now() / 1000);
  const claims = (over: Record<string, unknown> = {}) => {
    const base: Record<string, unknown> = { iss: c.issuer, sub: user.sub, aud: ['orders', 'inventory'], exp: now() + 300, iat: now(), jti: randomUUID(), client_id: 'gatehouse', scope: 'orders:read orders:write', sid: randomUUID() };
    for (const [k, v] of Object.entries(over)) if (v === undefined) delete base[k];
    return { ...base, ...Object.fromEntries(Object.entries(over).filter(([, v]) => v !== undefined)) };
  };
  const header = (over: Record<string, unknown> = {}) => {
    const h: Record<string, unknown> = { alg: 'RS256', typ: 'at+jwt', kid, ...over };
    for (const [k, v] of Object.entries(over)) if (v === undefined) delete h[k];
    return h;
  };
  const jwt = (c2: Record<string, unknown> = {}, h: Record<string, unknown> = {}, k: KeyObject = key) => signSegments(enc(header(h)), enc(claims(c2)), k);
  const rawPayload = (payload: string, h: Record<string, unknown> = {}) => signSegments(enc(header(h)), Buffer.from(payload).toString('base64url'), key);
  const hmac = (alg: 'HS256' | 'HS384', secret: string | Buffer) => {
    const input = `${enc(header({ alg }))}.${enc(claims())}`;
    return `${input}.${createHmac(alg === 'HS256' ? 'sha256' : 'sha384', secret).update(input).digest('base64url')}`;
  };

  type Case = [name: string, token: () => string, expected: number];
  const cases = (): Case[] => {
    const publicKey = createPublicKey(key);
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const der = publicKey.export({ type: 'spki', format: 'der' });
    const jwkJson = JSON.stringify(publicKey.export({ format: 'jwk' }));
    const valid = jwt();
    const [vh, vp, vs] = valid.split('.') as [string, string, string];
    return [
      ['control: a well-formed token is accepted', () => jwt(), 200],
      ['control: a real login token is accepted', () => user.access, 200],
      ['alg none', () => `${enc(header({ alg: 'none' }))}.${enc(claims())}.`, 401],
      ['alg None', () => `${enc(header({ alg: 'None' }))}.${enc(claims())}.`, 401],
      ['alg NONE', () => `${enc(header({ alg: 'NONE' }))}.${enc(claims())}.`, 401],
      ['alg none with a signature', () => `${enc(header({ alg: 'none' }))}.${enc(claims())}.${vs}`, 401],
      ['HS256 with the public key as PEM', () => hmac('HS256', pem), 401],
      ['HS384 with the public key as PEM', () => hmac('HS384', pem), 401],
      ['HS256 with the public key as JWK JSON', () => hmac('HS256', jwkJson), 401],
      ['HS256 with the public key as DER', () => hmac('HS256', der), 401],
      ['RS256 by a foreign key with our kid', () => jwt({}, {}, foreign.privateKey), 401],
      ['PS256 header', () => jwt({}, { alg: 'PS256' }), 401],
      ['ES256 header', () => jwt({}, { alg: 'ES256' }), 401],
      ['embedded jwk (foreign key)', () => jwt({}, { jwk: foreign.publicKey.export({ format: 'jwk' }) }, foreign.privateKey), 401],
      ['embedded x5c', () => jwt({}, { x5c: ['MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'] }, foreign.privateKey), 401],
      ['jku pointing at a listener', () => jwt({}, { jku: trapUrl, kid: 'trap' }, foreign.privateKey), 401],
      ['x5u pointing at a listener', () => jwt({}, { x5u: trapUrl, kid: 'trap' }, foreign.privateKey), 401],
      ['jku with our kid and a valid signature', () => jwt({}, { jku: trapUrl }), 401],
      ['kid path traversal', () => jwt({}, { kid: '../../../../etc/passwd' }), 401],
      ['kid SQL injection', () => jwt({}, { kid: "' OR '1'='1' --" }), 401],
      ['kid with NUL', () => jwt({}, { kid: `${kid}\u0000` }), 401],
      ['kid of 10 KB', () => jwt({}, { kid: 'k'.repeat(10_240) }), 401],
      ['kid as a number', () => jwt({}, { kid: 12345 }), 401],
      ['kid as an object', () => jwt({}, { kid: { $ne: null } }), 401],
      ['kid missing', () => jwt({}, { kid: undefined }), 401],
      ['crit with an unknown parameter', () => jwt({}, { crit: ['x-gh'], 'x-gh': 1 }), 401],
      ['crit with b64', () => jwt({}, { crit: ['b64'], b64: false }), 401],
      ['typ missing', () => jwt({}, { typ: undefined }), 401],
      ['typ JWT', () => jwt({}, { typ: 'JWT' }), 401],
      ['typ id+jwt', () => jwt({}, { typ: 'id+jwt' }), 401],
      ['a refresh token', () => user.refresh, 401],
      ['an ID-token-shaped JWT', () => jwt({ aud: 'gatehouse', nonce: 'n', auth_time: now() }, { typ: 'JWT' }), 401],
      ['JWS JSON serialization', () => JSON.stringify({ payload: vp, signatures: [{ protected: vh, signature: vs }] }), 401],
      ['JWE (5 parts)', () => `${enc({ alg: 'RSA-OAEP', enc: 'A256GCM', kid })}.AAAA.AAAA.AAAA.AAAA`, 401],
      ['nested JWT (cty JWT)', () => signSegments(enc(header({ cty: 'JWT' })), Buffer.from(valid).toString('base64url'), key), 401],
      ['duplicate payload member (sub)', () => rawPayload(`{"iss":"${c.issuer}","sub":"a","sub":"${user.sub}","aud":"orders","exp":${now() + 300},"iat":${now()},"jti":"j","client_id":"gatehouse","scope":"orders:read"}`), 401],
      ['duplicate header member (alg)', () => signSegments(Buffer.from(`{"alg":"none","alg":"RS256","typ":"at+jwt","kid":"${kid}"}`).toString('base64url'), enc(claims()), key), 401],
      ['non-canonical base64url signature', () => `${vh}.${vp}.${vs.slice(0, -1)}${vs.endsWith('A') ? 'B' : 'A'}`, 401],
      ['padded base64url', () => `${vh}.${vp}.${vs}==`, 401],
      ['standard base64 alphabet', () => `${vh}.${vp}.${vs.replace(/-/g, '+').replace(/_/g, '/')}x+/`, 401],
      ['invalid UTF-8 in the payload', () => signSegments(enc(header()), Buffer.concat([Buffer.from('{"sub":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]).toString('base64url'), key), 401],
      ['payload is an array', () => rawPayload('[1,2,3]'), 401],
      ['payload is a string', () => rawPayload('"hello"'), 401],
      ['payload is null', () => rawPayload('null'), 401],
      ['exp as a string', () => jwt({ exp: String(now() + 300) }), 401],
      ['exp == now', () => jwt({ exp: now(), iat: now() - 60 }), 401],
      ['exp just past', () => jwt({ exp: now() - 1, iat: now() - 60 }), 401],
      ['exp past the leeway', () => jwt({ exp: now() - 31, iat: now() - 90 }), 401],
      ['iat in the future', () => jwt({ iat: now() + 120, exp: now() + 400 }), 401],
      ['nbf in the future', () => jwt({ nbf: now() + 120 }), 401],
      ...(['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'client_id', 'scope'] as const).map((claim): Case => [`missing ${claim}`, () => jwt({ [claim]: undefined }), 401]),
      ['iss with a trailing slash', () => jwt({ iss: `${c.issuer}/` }), 401],
      ['iss in different case', () => jwt({ iss: c.issuer.toUpperCase() }), 401],
      ['aud array without us', () => jwt({ aud: ['inventory'] }), 401],
      ['aud empty array', () => jwt({ aud: [] }), 401],
      ['aud empty string', () => jwt({ aud: '' }), 401],
      ['signature from another token', () => `${vh}.${enc(claims({ scope: 'orders:read orders:write gatehouse:admin' }))}.${vs}`, 401],
      ['truncated signature', () => `${vh}.${vp}.${vs.slice(0, 100)}`, 401],
      ['empty token', () => '', 401],
      ['two dots only', () => '..', 401],
      ['scope without orders:read', () => jwt({ scope: 'orders:write' }), 403],
    ];
  };

  it('has at least 60 named cases', () => {
    expect(cases().length).toBeGreaterThanOrEqual(60);
  });

  it.each(Array.from({ length: 70 }, (_, i) => i))('case #%i', async (i) => {
    const all = cases();
    if (i >= all.length) return;
    const [name, make, expected] = all[i]!;
    const status = await getStatus(`${c.orders.url}/orders`, make());
    expect({ name, status }).toEqual({ name, status: expected });
    expect(trapHits).toBe(0);
  });

  const raw = (headers: Record<string, string | string[]>, path = '/orders') =>
    new Promise<number>((resolve, reject) => {
      const u = new URL(c.orders.url);
      const req = request({ host: u.hostname, port: u.port, path, headers, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });

  it('oversize Authorization header → 431, not 5xx', async () => {
    expect(await raw({ authorization: `Bearer ${'a'.repeat(20_000)}` })).toBe(431);
  });
  it('token in the query string is ignored', async () => {
    expect(await raw({}, `/orders?access_token=${user.access}`)).toBe(401);
  });
  it('two Authorization headers are refused', async () => {
    expect(await raw({ authorization: [`Bearer ${user.access}`, 'Bearer x'] })).toBe(401);
    expect(await raw({ authorization: `Bearer ${user.access}` })).toBe(200);
  });
  it('wrong scheme and empty bearer → 401', async () => {
    expect(await raw({ authorization: `Basic ${user.access}` })).toBe(401);
    expect(await raw({ authorization: 'Bearer ' })).toBe(401);
  });

  it('valid tokens whose jti, sid or subject is revoked → 401', async () => {
    const byJti = await login('jti@example.com');
    expect((await fetch(`${c.auth.url}/oauth/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: byJti.access, client_id: 'gatehouse' }) })).status).toBe(200);
    const bySid = await login('sid@example.com');
    await fetch(`${c.auth.url}/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${bySid.access}` } });
    const bySub = await login('sub@example.com');
    await fetch(`${c.auth.url}/auth/logout-all`, { method: 'POST', headers: { authorization: `Bearer ${bySub.access}` } });
    for (const t of [byJti, bySid, bySub]) {
      const deadline = Date.now() + 3000;
      while ((await getStatus(`${c.orders.url}/orders`, t.access)) !== 401 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      expect(await getStatus(`${c.orders.url}/orders`, t.access)).toBe(401);
    }
  });

  it('a token signed by a key rotated out → 401 (forced rotation)', async () => {
    const before = jwt();
    expect(await getStatus(`${c.orders.url}/orders`, before)).toBe(200);
    const admin = await post(`${c.auth.url}/auth/login`, c.admin);
    const res = await fetch(`${c.auth.url}/admin/keys/rotate`, { method: 'POST', headers: { authorization: `Bearer ${String(admin.body['access_token'])}` } });
    expect(res.status).toBe(200);
    const deadline = Date.now() + 5000;
    while ((await getStatus(`${c.orders.url}/orders`, before)) !== 401 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(await getStatus(`${c.orders.url}/orders`, before)).toBe(401);
    expect(trapHits).toBe(0);
  });
});
