import { inspect } from 'node:util';
import { ServiceTokenClient } from './service-token-client';
import type { ServiceTokenClientOptions } from './client-options';

const SECRET = 'never-show-this-secret';
const valid: ServiceTokenClientOptions = { tokenUrl: 'http://127.0.0.1:1/oauth/token', clientId: 'orders', clientSecret: SECRET };

describe('ServiceTokenClient options', () => {
  it('accepts valid options with defaults', () => {
    expect(() => new ServiceTokenClient(valid)).not.toThrow();
  });

  it.each<[string, Partial<Record<keyof ServiceTokenClientOptions, unknown>>]>([
    ['tokenUrl', { tokenUrl: 'not a url' }],
    ['tokenUrl', { tokenUrl: 'ftp://auth/oauth/token' }],
    ['tokenUrl', { tokenUrl: `http://orders:${SECRET}@auth/oauth/token` }],
    ['clientId', { clientId: '' }],
    ['clientSecret', { clientSecret: '' }],
    ['clientSecret', { clientSecret: 42 }],
    ['refreshSkewSeconds', { refreshSkewSeconds: -1 }],
    ['refreshSkewSeconds', { refreshSkewSeconds: Number.NaN }],
    ['timeoutMs', { timeoutMs: 0 }],
    ['timeoutMs', { timeoutMs: 1.5 }],
    ['now', { now: 'yesterday' }],
  ])('rejects a bad %s with SERVICE_TOKEN_INVALID_ARGUMENT naming it, never the secret', (name, patch) => {
    let caught: unknown;
    try {
      new ServiceTokenClient({ ...valid, ...patch } as ServiceTokenClientOptions);
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code: 'SERVICE_TOKEN_INVALID_ARGUMENT', argument: name });
    expect((caught as Error).message).toContain(`"${name}"`);
    expect((caught as Error).message).not.toContain(SECRET);
  });

  it('does not expose the secret when the client is inspected or serialised', () => {
    const client = new ServiceTokenClient(valid);
    expect(JSON.stringify(client)).not.toContain(SECRET);
    expect(inspect(client, { depth: 5 })).not.toContain(SECRET);
  });
});
