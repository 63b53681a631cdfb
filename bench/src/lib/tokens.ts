import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An RSA-2048 key of the bench's own issuer (row 1 mints tokens shaped exactly like auth-service's). */
export interface BenchKey {
  kid: string;
  privatePem: string;
  jwk: Record<string, string>;
}

/** Generates a fresh RS256 key with an RFC 7638 thumbprint kid. */
export function generateBenchKey(): BenchKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pub = publicKey.export({ format: 'jwk' }) as { n: string; e: string };
  const kid = createHash('sha256').update(JSON.stringify({ e: pub.e, kty: 'RSA', n: pub.n })).digest('base64url');
  return { kid, privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), jwk: { kty: 'RSA', n: pub.n, e: pub.e, kid, alg: 'RS256', use: 'sig' } };
}

/** Claims of a first-party user token, as auth-service issues them (DESIGN.md, Tokens). */
export interface MintRequest {
  issuer: string;
  ttlSeconds: number;
}

/** Signs `count` distinct user access tokens (new sub, sid and jti each) with `key`. */
export function mintTokens(key: BenchKey, req: MintRequest, count: number): string[] {
  const privateKey: KeyObject = createPrivateKey(key.privatePem);
  const header = b64(JSON.stringify({ alg: 'RS256', typ: 'at+jwt', kid: key.kid }));
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const iat = Math.floor(Date.now() / 1000);
    const claims = {
      iss: req.issuer,
      sub: randomUUID(),
      aud: ['orders', 'inventory'],
      exp: iat + req.ttlSeconds,
      iat,
      jti: randomUUID(),
      client_id: 'gatehouse',
      scope: 'orders:read orders:write',
      sid: randomUUID(),
    };
    const input = `${header}.${b64(JSON.stringify(claims))}`;
    out.push(`${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`);
  }
  return out;
}

/** Serves `{keys:[jwk]}` at `/.well-known/jwks.json` on a free loopback port. */
export async function serveJwks(jwk: Record<string, string>): Promise<{ url: string; close(): Promise<void> }> {
  const body = JSON.stringify({ keys: [jwk] });
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/.well-known/jwks.json`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** The public half of a bench key, for raw verify measurements. */
export function publicKeyOf(key: BenchKey): KeyObject {
  return createPublicKey(createPrivateKey(key.privatePem));
}

function b64(s: string): string {
  return Buffer.from(s).toString('base64url');
}
