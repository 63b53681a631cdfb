import { z } from 'zod';
import { authVerifyOptionsFrom, verifierConfigShape } from './verifier-config';

describe('verifierConfigShape', () => {
  const schema = z.object(verifierConfigShape());

  it('defaults to the local stack and derives the JWKS URL from the issuer', () => {
    const config = schema.parse({});
    expect(authVerifyOptionsFrom(config, 'orders')).toEqual({
      issuer: 'http://localhost:3000',
      audience: 'orders',
      jwksUri: 'http://localhost:3000/.well-known/jwks.json',
      natsUrl: 'nats://127.0.0.1:4222',
      stream: 'GATEHOUSE_EVENTS',
      subjectPrefix: 'gatehouse',
      maxStalenessMs: 30_000,
    });
  });

  it('takes an explicit JWKS_URI and staleness, and strips a trailing slash from the issuer', () => {
    const config = schema.parse({ ISSUER: 'https://id.example/', JWKS_URI: 'https://keys.example/jwks', REVOCATION_MAX_STALENESS: '5' });
    expect(authVerifyOptionsFrom(config, 'inventory')).toMatchObject({ issuer: 'https://id.example', jwksUri: 'https://keys.example/jwks', maxStalenessMs: 5000 });
  });

  it.each([
    ['ISSUER', 'ftp://x'],
    ['NATS_URL', 'http://nats'],
    ['REVOCATION_MAX_STALENESS', '0'],
    ['EVENTS_STREAM', 'bad stream'],
    ['EVENTS_SUBJECT_PREFIX', 'Bad.Prefix'],
  ])('refuses a bad %s', (key, value) => {
    const parsed = schema.safeParse({ [key]: value });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path[0])).toEqual([key]);
  });
});
