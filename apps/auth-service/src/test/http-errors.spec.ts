import { DataSource } from 'typeorm';
import { postJson, startAuthService, type TestAuthService } from './test-auth-app';

describe('bad input never yields a 500', () => {
  let svc: TestAuthService;
  beforeAll(async () => {
    svc = await startAuthService('errors');
  });
  afterAll(() => svc.dispose());

  const raw = (path: string, init: RequestInit) => fetch(`${svc.url}${path}`, { method: 'POST', ...init });

  it.each([
    ['malformed JSON', { headers: { 'content-type': 'application/json' }, body: '{"email":' }, 400, 'REQUEST_INVALID'],
    ['empty JSON body', { headers: { 'content-type': 'application/json' }, body: '' }, 400, 'REQUEST_INVALID'],
    ['JSON null', { headers: { 'content-type': 'application/json' }, body: 'null' }, 400, 'REQUEST_INVALID'],
    ['JSON string', { headers: { 'content-type': 'application/json' }, body: '"hello"' }, 400, 'REQUEST_INVALID'],
    ['missing fields', { headers: { 'content-type': 'application/json' }, body: '{}' }, 400, 'REQUEST_INVALID'],
    ['wrong types', { headers: { 'content-type': 'application/json' }, body: '{"email":1,"password":["x"]}' }, 400, 'REQUEST_INVALID'],
    ['unknown fields', { headers: { 'content-type': 'application/json' }, body: '{"email":"a@b.co","password":"password1","admin":true}' }, 400, 'REQUEST_INVALID'],
    ['prototype pollution key', { headers: { 'content-type': 'application/json' }, body: '{"email":"p@b.co","password":"password1","__proto__":{"admin":true}}' }, 400, 'REQUEST_INVALID'],
    ['text/plain', { headers: { 'content-type': 'text/plain' }, body: 'email=a' }, 415, 'REQUEST_UNSUPPORTED_MEDIA_TYPE'],
    ['application/xml', { headers: { 'content-type': 'application/xml' }, body: '<a/>' }, 415, 'REQUEST_UNSUPPORTED_MEDIA_TYPE'],
    ['oversize body', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'a@b.co', password: 'x'.repeat(100_000) }) }, 413, 'REQUEST_TOO_LARGE'],
  ] as [string, RequestInit, number, string][])('register with %s → %i', async (_name, init, status, code) => {
    const res = await raw('/auth/register', init);
    expect(res.status).toBe(status);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body['code']).toBe(code);
    expect(body['requestId']).toBe(res.headers.get('x-request-id'));
    expect(JSON.stringify(body)).not.toMatch(/at .*\.js|stack/i);
  });

  const issuerInput: [string, string, unknown, number][] = [
    ['login: email as number', '/auth/login', { email: 1, password: 'x' }, 400],
    ['login: password as object', '/auth/login', { email: 'a@b.co', password: { $gt: '' } }, 400],
    ['login: SQL-ish email', '/auth/login', { email: "' OR 1=1 --@x.io", password: 'password1' }, 401],
    ['login: NUL in password', '/auth/login', { email: 'a@b.co', password: 'pass\u0000word' }, 401],
    ['login: __proto__ key', '/auth/login', JSON.parse('{"email":"a@b.co","password":"password1","__proto__":{"isAdmin":true}}'), 400],
    ['login: constructor key', '/auth/login', { email: 'a@b.co', password: 'password1', constructor: { prototype: { admin: true } } }, 400],
    ['register: SQL-ish email', '/auth/register', { email: "robert'); DROP TABLE users;--@x.io", password: 'password1' }, 400],
    ['register: NUL in email', '/auth/register', { email: 'a\u0000@b.co', password: 'password1' }, 400],
    ['register: 10 KB email', '/auth/register', { email: `${'a'.repeat(10_000)}@b.co`, password: 'password1' }, 400],
    ['register: password too short', '/auth/register', { email: 'short@b.co', password: 'short' }, 400],
    ['register: array body', '/auth/register', [{ email: 'x@b.co', password: 'password1' }], 400],
    ['register: constructor key', '/auth/register', { email: 'c@b.co', password: 'password1', constructor: {} }, 400],
  ];

  it.each(issuerInput)('%s → %i with the documented error body', async (_name, path, body, status) => {
    const res = await postJson(`${svc.url}${path}`, body);
    expect(res.status).toBe(status);
    expect(Object.keys(res.body).filter((k) => k !== 'issues').sort()).toEqual(['code', 'message', 'requestId']);
  });

  it('token endpoint: wrong types, unknown grants and prototype keys get RFC 6749 errors', async () => {
    for (const body of [{ grant_type: ['client_credentials'] }, { grant_type: 'client_credentials', client_id: 7, client_secret: 'x' }, JSON.parse('{"grant_type":"client_credentials","__proto__":{"x":1}}')]) {
      const res = await postJson(`${svc.url}/oauth/token`, body);
      expect([400, 401]).toContain(res.status);
      expect(Object.keys(res.body).sort()).toEqual(['error', 'error_description']);
    }
  });

  it('long emoji and NUL-containing passwords work end to end', async () => {
    const emoji = '👩‍💻'.repeat(90); // ZWJ sequences, ~990 bytes
    expect((await postJson(`${svc.url}/auth/register`, { email: 'emoji@b.co', password: emoji })).status).toBe(201);
    expect((await postJson(`${svc.url}/auth/login`, { email: 'emoji@b.co', password: emoji })).status).toBe(200);
    const withNul = 'before\u0000after-nul';
    expect((await postJson(`${svc.url}/auth/register`, { email: 'nul@b.co', password: withNul })).status).toBe(201);
    expect((await postJson(`${svc.url}/auth/login`, { email: 'nul@b.co', password: withNul })).status).toBe(200);
    // bcrypt would stop at NUL; the pre-hash makes the bytes after it count.
    expect((await postJson(`${svc.url}/auth/login`, { email: 'nul@b.co', password: 'before\u0000other' })).status).toBe(401);
  });

  it('persists nothing from rejected registrations', async () => {
    const ds = svc.app.get(DataSource);
    const rows: { email: string }[] = await ds.query(`SELECT email FROM users ORDER BY email`);
    expect(rows.map((r) => r.email)).toEqual(['emoji@b.co', 'nul@b.co']);
  });

  it('answers unknown routes with 404 in the error format', async () => {
    const res = await fetch(`${svc.url}/nope`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as Record<string, unknown>)['code']).toBe('REQUEST_NOT_FOUND');
  });

  it('echoes a well-formed x-request-id and replaces a hostile one', async () => {
    const good = await postJson(`${svc.url}/auth/login`, {}, { 'x-request-id': 'abc-123' });
    expect(good.headers.get('x-request-id')).toBe('abc-123');
    expect(good.body['requestId']).toBe('abc-123');
    const bad = await postJson(`${svc.url}/auth/login`, {}, { 'x-request-id': 'x'.repeat(300) });
    expect(bad.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves liveness, readiness and Prometheus metrics', async () => {
    expect((await fetch(`${svc.url}/health/live`)).status).toBe(200);
    const ready = await fetch(`${svc.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok', checks: { database: true, migrations: true } });
    const metrics = await (await fetch(`${svc.url}/metrics`)).text();
    expect(metrics).toContain('http_request_duration_seconds_bucket');
    expect(metrics).toContain('process_cpu_seconds_total');
  });
});
