import { loadConfig } from './load-config';

const NATS_CREDS = { NATS_USER: 'auth-service', NATS_PASSWORD: 'a-long-enough-nats-password' };

describe('loadConfig', () => {
  it('gives development defaults', () => {
    const cfg = loadConfig({});
    expect(cfg).toMatchObject({ PORT: 3000, ISSUER: 'http://localhost:3000', ACCESS_TOKEN_TTL: 300, BCRYPT_COST: 12 });
    expect(cfg.RESOURCE_AUDIENCES).toEqual(['orders', 'inventory']);
    expect(cfg.KEY_ENCRYPTION_KEY).toBeUndefined();
  });

  it('names the bad variable without echoing its value', () => {
    expect(() => loadConfig({ ACCESS_TOKEN_TTL: '99999' })).toThrow(/^Invalid configuration: ACCESS_TOKEN_TTL must be at most 3600$/);
    expect(() => loadConfig({ BCRYPT_COST: '4' })).toThrow(/BCRYPT_COST must be at least 10/);
    expect(() => loadConfig({ KEY_ENCRYPTION_KEY: 'hunter2-secret' })).toThrow(/KEY_ENCRYPTION_KEY/);
    try {
      loadConfig({ KEY_ENCRYPTION_KEY: 'hunter2-secret' });
    } catch (err) {
      expect((err as Error).message).not.toContain('hunter2');
    }
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
  });

  it('requires KEY_ENCRYPTION_KEY in production and has no default for it', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/KEY_ENCRYPTION_KEY is required in production/);
    const key = Buffer.alloc(32, 7).toString('base64');
    expect(loadConfig({ NODE_ENV: 'production', KEY_ENCRYPTION_KEY: key, ...NATS_CREDS }).KEY_ENCRYPTION_KEY).toBe(key);
  });

  it('requires NATS credentials in production, as a pair, never echoing the password', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    expect(() => loadConfig({ NODE_ENV: 'production', KEY_ENCRYPTION_KEY: key })).toThrow(/NATS_USER and NATS_PASSWORD are required in production/);
    expect(() => loadConfig({ NATS_USER: 'auth-service' })).toThrow(/NATS_USER and NATS_PASSWORD go together/);
    expect(() => loadConfig({ NATS_USER: 'auth-service', NATS_PASSWORD: 'hunter2' })).toThrow(/NATS_PASSWORD must be at least 16 characters/);
    expect(() => loadConfig({ NATS_USER: 'auth-service', NATS_PASSWORD: 'hunter2' })).not.toThrow(/hunter2/);
    expect(loadConfig({ NODE_ENV: 'production', KEY_ENCRYPTION_KEY: key, ...NATS_CREDS }).NATS_USER).toBe('auth-service');
    // Development: anonymous NATS still works (the relay warns).
    expect(loadConfig({}).NATS_USER).toBeUndefined();
  });

  it('asks admins for a second factor unless switched off, which production refuses', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    expect(loadConfig({}).ADMIN_SECOND_FACTOR).toBe(true);
    expect(loadConfig({ ADMIN_SECOND_FACTOR: 'false' }).ADMIN_SECOND_FACTOR).toBe(false);
    expect(() => loadConfig({ NODE_ENV: 'production', KEY_ENCRYPTION_KEY: key, ADMIN_SECOND_FACTOR: 'false' })).toThrow(/ADMIN_SECOND_FACTOR cannot be turned off in production/);
    expect(() => loadConfig({ ADMIN_SECOND_FACTOR: 'no' })).toThrow(/ADMIN_SECOND_FACTOR/);
  });

  it('takes the WebAuthn relying party from ISSUER unless configured', () => {
    expect(loadConfig({}).WEBAUTHN_ORIGINS).toBeUndefined();
    expect(loadConfig({ WEBAUTHN_RP_ID: 'id.example.com', WEBAUTHN_ORIGINS: 'https://id.example.com/, https://login.example.com' })).toMatchObject({
      WEBAUTHN_RP_ID: 'id.example.com',
      WEBAUTHN_ORIGINS: ['https://id.example.com', 'https://login.example.com'],
    });
    expect(() => loadConfig({ WEBAUTHN_ORIGINS: 'id.example.com' })).toThrow(/WEBAUTHN_ORIGINS/);
    expect(() => loadConfig({ WEBAUTHN_RP_ID: 'https://x' })).toThrow(/WEBAUTHN_RP_ID/);
  });

  it('strips a trailing slash from ISSUER', () => {
    expect(loadConfig({ ISSUER: 'https://auth.example.com/' }).ISSUER).toBe('https://auth.example.com');
  });
});

describe('loadConfig NATS_URL', () => {
  it('takes a comma-separated list of seed servers', () => {
    const value = 'nats://nats-0.nats:4222, nats://nats-1.nats:4222,nats://nats-2.nats:4222';
    expect(loadConfig({ NATS_URL: value }).NATS_URL).toBe(value);
  });

  it('refuses a list with a bad entry, naming the variable only', () => {
    expect(() => loadConfig({ NATS_URL: 'nats://a:4222,http://leak-me:1' })).toThrow(/^Invalid configuration: NATS_URL must be one or more nats:\/\/ or tls:\/\/ URLs, comma-separated$/);
    expect(() => loadConfig({ NATS_URL: 'nats://a:4222,' })).toThrow(/NATS_URL/);
  });
});
