import { DataSource } from 'typeorm';
import { ClientsService } from '../app/clients/clients.service';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { basic, postForm, postJson, startAuthService, type TestAuthService } from './test-auth-app';

describe('POST /oauth/token client_credentials', () => {
  let svc: TestAuthService;
  let secret: string;
  let tokenUrl: string;

  beforeAll(async () => {
    svc = await startAuthService('cc');
    tokenUrl = `${svc.url}/oauth/token`;
    const registered = await svc.app.get(ClientsService).register({ id: 'orders-service', audiences: ['inventory'], scopes: ['inventory:reserve'] });
    secret = registered.clientSecret ?? '';
    await svc.app.get(ClientsService).register({ id: 'reporting', audiences: ['orders', 'inventory'], scopes: ['orders:read'] });
  });
  afterAll(() => svc.dispose());

  it('issues a service token with Basic auth (form body) that verifies with jose', async () => {
    expect(Buffer.from(secret, 'base64url').length).toBeGreaterThanOrEqual(32);
    const res = await postForm(tokenUrl, { grant_type: 'client_credentials', audience: 'inventory' }, { authorization: basic('orders-service', secret) });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 300, scope: 'inventory:reserve' });
    expect(res.body['refresh_token']).toBeUndefined();
    const { payload, protectedHeader } = await jwtVerify(String(res.body['access_token']), createRemoteJWKSet(new URL(`${svc.url}/.well-known/jwks.json`)), {
      issuer: 'http://localhost:3000',
      audience: 'inventory',
      typ: 'at+jwt',
      algorithms: ['RS256'],
    });
    expect(protectedHeader.typ).toBe('at+jwt');
    expect(payload).toMatchObject({ sub: 'orders-service', client_id: 'orders-service', aud: 'inventory', scope: 'inventory:reserve' });
    expect(payload['sid']).toBeUndefined();
  });

  it('accepts client credentials in a JSON body', async () => {
    const res = await postJson(tokenUrl, { grant_type: 'client_credentials', client_id: 'orders-service', client_secret: secret });
    expect(res.status).toBe(200);
  });

  it('narrows scope and audience for a multi-audience client', async () => {
    const clientSecret = (await svc.app.get(ClientsService).register({ id: 'multi', audiences: ['orders', 'inventory'], scopes: ['orders:read', 'inventory:reserve'] })).clientSecret ?? '';
    const res = await postForm(tokenUrl, { grant_type: 'client_credentials', audience: 'orders', scope: 'orders:read' }, { authorization: basic('multi', clientSecret) });
    expect(res.status).toBe(200);
    expect(res.body['scope']).toBe('orders:read');
  });

  const cases: [string, () => Promise<{ status: number; headers: Headers; body: Record<string, unknown> }>, number, string][] = [
    ['missing grant_type', () => postForm(tokenUrl, {}, { authorization: basic('orders-service', secret) }), 400, 'invalid_request'],
    ['unsupported grant_type', () => postForm(tokenUrl, { grant_type: 'password' }, { authorization: basic('orders-service', secret) }), 400, 'unsupported_grant_type'],
    ['no client authentication', () => postForm(tokenUrl, { grant_type: 'client_credentials' }), 401, 'invalid_client'],
    ['wrong secret (Basic)', () => postForm(tokenUrl, { grant_type: 'client_credentials' }, { authorization: basic('orders-service', secret + 'x') }), 401, 'invalid_client'],
    ['wrong secret (body)', () => postForm(tokenUrl, { grant_type: 'client_credentials', client_id: 'orders-service', client_secret: 'nope' }), 401, 'invalid_client'],
    ['unknown client', () => postForm(tokenUrl, { grant_type: 'client_credentials' }, { authorization: basic('ghost-service', secret) }), 401, 'invalid_client'],
    ['malformed Basic header', () => postForm(tokenUrl, { grant_type: 'client_credentials' }, { authorization: 'Basic !!!' }), 401, 'invalid_client'],
    ['Basic and body credentials together', () => postForm(tokenUrl, { grant_type: 'client_credentials', client_secret: secret }, { authorization: basic('orders-service', secret) }), 400, 'invalid_request'],
    ['scope not allowed', () => postForm(tokenUrl, { grant_type: 'client_credentials', scope: 'orders:write' }, { authorization: basic('orders-service', secret) }), 400, 'invalid_scope'],
    ['malformed scope', () => postForm(tokenUrl, { grant_type: 'client_credentials', scope: 'a"b' }, { authorization: basic('orders-service', secret) }), 400, 'invalid_scope'],
    ['audience not allowed', () => postForm(tokenUrl, { grant_type: 'client_credentials', audience: 'orders' }, { authorization: basic('orders-service', secret) }), 400, 'invalid_request'],
    ['grant_type of the wrong type (JSON)', () => postJson(tokenUrl, { grant_type: 42 }, { authorization: basic('orders-service', secret) }), 400, 'invalid_request'],
    ['JSON array body', () => postJson(tokenUrl, '[1,2]', { authorization: basic('orders-service', secret) }), 400, 'invalid_request'],
    ['malformed JSON', () => postJson(tokenUrl, '{"grant_type":', { authorization: basic('orders-service', secret) }), 400, 'invalid_request'],
  ];

  it.each(cases)('%s → %i %s', async (_name, call, status, error) => {
    const res = await call();
    expect(res.status).toBe(status);
    expect(res.body['error']).toBe(error);
    expect(typeof res.body['error_description']).toBe('string');
    expect(Object.keys(res.body).sort()).toEqual(['error', 'error_description']);
    expect(res.headers.get('cache-control')).toBe('no-store');
    if (status === 401) expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
  });

  it('refuses client ids that could collide with user subjects', async () => {
    await expect(
      svc.app.get(ClientsService).register({ id: '0b6f3a5e-1c2d-4e5f-8a9b-0c1d2e3f4a5b', audiences: ['orders'], scopes: [] }),
    ).rejects.toMatchObject({ code: 'REQUEST_INVALID' });
  });

  it('stores only a SHA-256 of the client secret', async () => {
    const ds = svc.app.get(DataSource);
    const rows: { secret_hash: Buffer }[] = await ds.query(`SELECT secret_hash FROM clients WHERE id = 'orders-service'`);
    expect(rows[0]?.secret_hash.length).toBe(32);
    expect(rows[0]?.secret_hash.toString('latin1')).not.toContain(secret);
  });
});
