import { createTestDatabase, runServiceCommand, type TestDatabase } from '@gatehouse/testing';
import { randomBytes } from 'node:crypto';

/**
 * The built auth-service's commands: every one answers --help, and `client create` prints only its
 * JSON document on stdout (logs go to stderr), so scripts can pipe it.
 */
describe('auth-service CLI', () => {
  jest.setTimeout(60_000);
  let db: TestDatabase;
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDatabase('cli');
    env = { DATABASE_URL: db.url, KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'), LOG_LEVEL: 'info', NATS_URL: 'nats://127.0.0.1:4222' };
  });
  afterAll(() => db?.drop());

  it('answers --help for the whole program and for each command, without touching the database', async () => {
    const whole = await runServiceCommand('auth-service', ['--help'], {});
    expect(whole).toMatch(/usage: main\.js/);
    for (const args of [['serve', '--help'], ['seed', '--help'], ['client', 'create', '--help'], ['events', '--help']]) {
      expect(await runServiceCommand('auth-service', args, {})).toMatch(/^usage: main\.js/);
    }
    expect(await runServiceCommand('auth-service', ['client', 'create', '--help'], {})).toContain('--redirect-uri');
  });

  it('client create registers a public SPA and a confidential web app; stdout is exactly one JSON document', async () => {
    const spa = await runServiceCommand('auth-service', ['client', 'create', '--id', 'cli-spa', '--public', '--redirect-uri', 'https://app.example.com/callback', '--redirect-uri', 'http://127.0.0.1:8765/cb', '--scope', 'openid email orders:read', '--audience', 'orders', '--first-party'], env);
    const spaDoc = JSON.parse(spa) as Record<string, unknown>;
    expect(spaDoc).toMatchObject({ client_id: 'cli-spa', token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], first_party: true, redirect_uris: ['https://app.example.com/callback', 'http://127.0.0.1:8765/cb'] });
    expect(spaDoc['client_secret']).toBeUndefined();
    const web = JSON.parse(
      await runServiceCommand('auth-service', ['client', 'create', '--id', 'cli-web', '--redirect-uri', 'https://web.example.com/cb', '--post-logout-redirect-uri', 'https://web.example.com/', '--backchannel-logout-uri', 'https://web.example.com/bc', '--scope', 'openid'], env),
    ) as Record<string, unknown>;
    expect(web).toMatchObject({ client_id: 'cli-web', token_endpoint_auth_method: 'client_secret_basic', backchannel_logout_uri: 'https://web.example.com/bc' });
    expect(String(web['client_secret'])).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const updated = JSON.parse(
      await runServiceCommand('auth-service', ['client', 'update', '--id', 'cli-spa', '--public', '--redirect-uri', 'https://app.example.com/cb2', '--scope', 'openid', '--name', 'CLI SPA'], env),
    ) as Record<string, unknown>;
    expect(updated).toMatchObject({ client_id: 'cli-spa', client_name: 'CLI SPA', redirect_uris: ['https://app.example.com/cb2'], scope: 'openid', token_endpoint_auth_method: 'none' });
    expect(updated['client_secret']).toBeUndefined();
  });

  it('client create/update set and replace a token-exchange policy', async () => {
    const created = JSON.parse(
      await runServiceCommand('auth-service', ['client', 'create', '--id', 'cli-exchanger', '--audience', 'inventory', '--scope', 'inventory:reserve', '--exchange-subject-audience', 'orders', '--exchange', 'inventory=inventory:reserve requires orders:write'], env),
    ) as Record<string, unknown>;
    expect(created['token_exchange']).toEqual({ subject_audience: 'orders', targets: [{ audience: 'inventory', scope: 'inventory:reserve', subject_scope: 'orders:write' }] });
    const cleared = JSON.parse(await runServiceCommand('auth-service', ['client', 'update', '--id', 'cli-exchanger', '--audience', 'inventory', '--scope', 'inventory:reserve'], env)) as Record<string, unknown>;
    expect(cleared['token_exchange']).toBeNull();
    await expect(runServiceCommand('auth-service', ['client', 'update', '--id', 'cli-exchanger', '--audience', 'inventory', '--exchange', 'inventory'], env)).rejects.toThrow(/--exchange must look like/);
    await expect(runServiceCommand('auth-service', ['client', 'update', '--id', 'cli-exchanger', '--audience', 'inventory', '--exchange-subject-audience', 'nowhere', '--exchange', 'inventory=inventory:reserve'], env)).rejects.toThrow(/token_exchange/);
  });

  it('seed gives the sample orders-service its token-exchange policy, also in a database seeded before it existed', async () => {
    const policy = { subject_audience: 'orders', targets: [{ audience: 'inventory', scope: 'inventory:reserve', subject_scope: 'orders:write' }] };
    const seedEnv = { ...env, SEED_ADMIN_PASSWORD: 'seed-admin-password', SEED_ORDERS_CLIENT_SECRET: randomBytes(32).toString('base64url'), SEED_WEB_CLIENT_SECRET: randomBytes(32).toString('base64url') };
    await runServiceCommand('auth-service', ['seed'], seedEnv);
    const { Client } = await import('pg');
    const sql = new Client({ connectionString: db.url });
    await sql.connect();
    try {
      const stored = async () => (await sql.query<{ token_exchange: unknown }>("SELECT token_exchange FROM clients WHERE id = 'orders-service'")).rows[0]?.token_exchange;
      expect(await stored()).toEqual({ subjectAudience: 'orders', targets: [{ audience: 'inventory', scopes: ['inventory:reserve'], subjectScopes: ['orders:write'] }] });
      // As before token exchange: no policy. The next seed adds it and leaves the rest alone.
      const cleared = JSON.parse(await runServiceCommand('auth-service', ['client', 'update', '--id', 'orders-service', '--audience', 'inventory', '--scope', 'inventory:reserve'], env)) as Record<string, unknown>;
      expect(cleared['token_exchange']).toBeNull();
      await runServiceCommand('auth-service', ['seed'], seedEnv);
      expect(await stored()).toMatchObject({ subjectAudience: policy.subject_audience });
    } finally {
      await sql.end();
    }
  });

  it('refuses bad metadata with a one-line error and a non-zero exit', async () => {
    for (const uri of ['http://app.example.com/cb', 'https://*.example.com/cb', 'https://app.example.com/cb#x']) {
      await expect(runServiceCommand('auth-service', ['client', 'create', '--id', 'cli-bad', '--redirect-uri', uri], env)).rejects.toThrow(/redirect_uris/);
    }
    await expect(runServiceCommand('auth-service', ['client', 'create', '--id', 'cli-bad', '--public', '--grant-type', 'client_credentials', '--audience', 'orders'], env)).rejects.toThrow(/public client/);
  });
});
