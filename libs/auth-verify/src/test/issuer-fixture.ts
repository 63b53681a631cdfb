import { createServer, type Server } from 'node:http';
import { createPrivateKey, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';

/**
 * A stand-in issuer for the library's own tests: RSA keys, a JWKS endpoint on loopback that
 * counts fetches, and a signer that can produce well-formed and hostile tokens alike.
 * (End-to-end tests against the real auth-service live with the apps.)
 */
export interface IssuerFixture {
  issuer: string;
  jwksUri: string;
  kid: string;
  privateKey: KeyObject;
  publicPem: string;
  fetches(): number;
  /** Serve an empty or failing JWKS from now on. */
  setJwksMode(mode: 'ok' | 'fail' | 'hang'): void;
  /** Signs `claims` merged over valid defaults; a non-object `claims` (array, string, null) is signed as the payload itself. */
  token(claims?: unknown, header?: Record<string, unknown>, key?: KeyObject): string;
  close(): Promise<void>;
}

export const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

export async function startIssuerFixture(): Promise<IssuerFixture> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = 'test-kid-' + randomUUID().slice(0, 8);
  const jwk = { ...(publicKey.export({ format: 'jwk' }) as object), kid, alg: 'RS256', use: 'sig' };
  let count = 0;
  let mode: 'ok' | 'fail' | 'hang' = 'ok';
  const server: Server = createServer((req, res) => {
    count++;
    if (mode === 'hang') return; // never answers: the verifier's timeout must cut it
    if (mode === 'fail') {
      res.writeHead(500).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  const issuer = 'http://issuer.test';
  return {
    issuer,
    jwksUri: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    kid,
    privateKey,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    fetches: () => count,
    setJwksMode: (m) => {
      mode = m;
    },
    token(claims = {}, header = {}, key = privateKey) {
      const now = Math.floor(Date.now() / 1000);
      const h = { alg: 'RS256', typ: 'at+jwt', kid, ...header };
      const defaults = { iss: issuer, sub: randomUUID(), aud: ['orders', 'inventory'], exp: now + 300, iat: now, jti: randomUUID(), client_id: 'gatehouse', scope: 'orders:read', sid: randomUUID() };
      const p = typeof claims === 'object' && claims !== null && !Array.isArray(claims) ? { ...defaults, ...claims } : claims;
      const input = `${b64(h)}.${b64(p)}`;
      return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export { createPrivateKey };
