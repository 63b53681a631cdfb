import { loadConfig } from './config.schema';

const SECRET = 'x'.repeat(43);

describe('orders-service NATS_URL', () => {
  it('takes one server or a comma-separated list of seed servers', () => {
    expect(loadConfig({ SERVICE_CLIENT_SECRET: SECRET }).NATS_URL).toBe('nats://127.0.0.1:4222');
    const list = 'nats://nats-0.nats:4222,nats://nats-1.nats:4222, nats://nats-2.nats:4222';
    expect(loadConfig({ SERVICE_CLIENT_SECRET: SECRET, NATS_URL: list }).NATS_URL).toBe(list);
  });

  it('refuses a bad entry and names only the variable', () => {
    expect(() => loadConfig({ SERVICE_CLIENT_SECRET: SECRET, NATS_URL: 'nats://a:4222,https://leak-me' })).toThrow(/NATS_URL must be one or more nats:\/\/ or tls:\/\/ URLs/);
    const error = (() => {
      try {
        loadConfig({ SERVICE_CLIENT_SECRET: SECRET, NATS_URL: 'leak-me' });
        return null;
      } catch (err) {
        return err as Error;
      }
    })();
    expect(error?.message).toMatch(/NATS_URL/);
    expect(error?.message).not.toContain('leak-me');
  });
});
