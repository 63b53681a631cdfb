import { createRemoteJWKSet, jwtVerify } from 'jose';
import { DataSource } from 'typeorm';
import { postJson, startAuthService, type TestAuthService } from './test-auth-app';

describe('register and login', () => {
  let svc: TestAuthService;
  beforeAll(async () => {
    svc = await startAuthService('login');
  });
  afterAll(() => svc.dispose());

  it('registers a user and logs in with a token that verifies against the served JWKS (jose)', async () => {
    const reg = await postJson(`${svc.url}/auth/register`, { email: 'Alice@Example.com ', password: 'correct horse battery' });
    expect(reg.status).toBe(201);
    expect(reg.body['id']).toMatch(/^[0-9a-f-]{36}$/);

    const login = await postJson(`${svc.url}/auth/login`, { email: 'alice@example.com', password: 'correct horse battery' });
    expect(login.status).toBe(200);
    expect(login.headers.get('cache-control')).toBe('no-store');
    expect(login.body).toMatchObject({ token_type: 'Bearer', expires_in: 300, scope: 'orders:read orders:write' });

    const token = String(login.body['access_token']);
    const jwks = createRemoteJWKSet(new URL(`${svc.url}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      issuer: 'http://localhost:3000',
      audience: 'orders',
      algorithms: ['RS256'],
      typ: 'at+jwt',
    });
    expect(Object.keys(protectedHeader).sort()).toEqual(['alg', 'kid', 'typ']);
    expect(protectedHeader).toMatchObject({ alg: 'RS256', typ: 'at+jwt' });
    expect(Object.keys(payload).sort()).toEqual(['amr', 'aud', 'auth_time', 'client_id', 'exp', 'iat', 'iss', 'jti', 'scope', 'sid', 'sub']);
    // A password alone (RFC 8176), signed in just now.
    expect(payload['amr']).toEqual(['pwd']);
    expect(Math.abs(Number(payload['auth_time']) - payload.iat!)).toBeLessThanOrEqual(1);
    expect(payload).toMatchObject({
      sub: reg.body['id'],
      aud: ['orders', 'inventory'],
      client_id: 'gatehouse',
      scope: 'orders:read orders:write',
    });
    expect(payload.exp! - payload.iat!).toBe(300);
    expect(JSON.stringify(payload)).not.toContain('alice');
  });

  it('narrows audience and scope on request and refuses to widen them', async () => {
    await postJson(`${svc.url}/auth/register`, { email: 'narrow@example.com', password: 'password-narrow' });
    const ok = await postJson(`${svc.url}/auth/login`, { email: 'narrow@example.com', password: 'password-narrow', audience: 'orders', scope: 'orders:read' });
    expect(ok.status).toBe(200);
    expect(ok.body['scope']).toBe('orders:read');
    const wide = await postJson(`${svc.url}/auth/login`, { email: 'narrow@example.com', password: 'password-narrow', scope: 'gatehouse:admin' });
    expect(wide.status).toBe(400);
    expect(wide.body['code']).toBe('REQUEST_INVALID');
  });

  it('gives wrong password and unknown user the same 401 body', async () => {
    await postJson(`${svc.url}/auth/register`, { email: 'bob@example.com', password: 'bob-password-1' });
    const wrong = await postJson(`${svc.url}/auth/login`, { email: 'bob@example.com', password: 'not-his-password' });
    const unknown = await postJson(`${svc.url}/auth/login`, { email: 'nobody@example.com', password: 'not-his-password' });
    const malformed = await postJson(`${svc.url}/auth/login`, { email: 'not an email', password: 'x' });
    for (const r of [wrong, unknown, malformed]) {
      expect(r.status).toBe(401);
      const { requestId, ...rest } = r.body;
      expect(typeof requestId).toBe('string');
      expect(rest).toEqual({ code: 'AUTH_INVALID_CREDENTIALS', message: 'Invalid email or password.' });
    }
  });

  it('rejects a duplicate registration with 409', async () => {
    await postJson(`${svc.url}/auth/register`, { email: 'dup@example.com', password: 'password-dup' });
    const again = await postJson(`${svc.url}/auth/register`, { email: 'DUP@example.com', password: 'password-dup2' });
    expect(again.status).toBe(409);
    expect(again.body['code']).toBe('AUTH_EMAIL_TAKEN');
  });

  it('accepts 1,024-byte passwords and distinguishes passwords sharing their first 72 bytes', async () => {
    const prefix = 'p'.repeat(72);
    await postJson(`${svc.url}/auth/register`, { email: 'long@example.com', password: prefix + 'A' });
    expect((await postJson(`${svc.url}/auth/login`, { email: 'long@example.com', password: prefix + 'A' })).status).toBe(200);
    expect((await postJson(`${svc.url}/auth/login`, { email: 'long@example.com', password: prefix + 'B' })).status).toBe(401);

    const emoji = '🔐'.repeat(256); // 4 bytes each: exactly 1,024 bytes
    expect((await postJson(`${svc.url}/auth/register`, { email: 'emoji@example.com', password: emoji })).status).toBe(201);
    expect((await postJson(`${svc.url}/auth/login`, { email: 'emoji@example.com', password: emoji })).status).toBe(200);
    const tooLong = await postJson(`${svc.url}/auth/register`, { email: 'toolong@example.com', password: emoji + 'x' });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body['issues']).toEqual([{ path: 'password', message: 'must be at most 1024 bytes' }]);
  });

  it('stores only bcrypt hashes', async () => {
    await postJson(`${svc.url}/auth/register`, { email: 'hash@example.com', password: 'plain-text-secret' });
    const ds = svc.app.get(DataSource);
    const rows: { password_hash: string }[] = await ds.query(`SELECT password_hash FROM users WHERE email = 'hash@example.com'`);
    expect(rows[0]?.password_hash).toMatch(/^\$2[aby]\$10\$/);
    expect(rows[0]?.password_hash).not.toContain('plain-text-secret');
  });

  it('publishes discovery metadata and a public-only JWKS', async () => {
    const disc = (await (await fetch(`${svc.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(disc['issuer']).toBe('http://localhost:3000');
    expect(disc['jwks_uri']).toBe('http://localhost:3000/.well-known/jwks.json');
    const res = await fetch(`${svc.url}/.well-known/jwks.json`);
    expect(res.headers.get('cache-control')).toMatch(/max-age=\d+/);
    const { keys } = (await res.json()) as { keys: Record<string, unknown>[] };
    expect(keys.length).toBe(1);
    expect(Object.keys(keys[0]!).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    expect(keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(Buffer.from(String(keys[0]!['n']), 'base64url').length).toBeGreaterThanOrEqual(256);
  });
});
