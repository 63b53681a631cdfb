import { createHmac, createPublicKey, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';

/** What the corpus signs with: the issuer's real key and the identity its valid tokens carry. */
export interface CorpusSigner {
  /** Expected `iss` of the verifier under test. */
  issuer: string;
  /** A kid the verifier's JWKS holds, and its private key. */
  kid: string;
  key: KeyObject;
  /** `sub` of valid tokens (a real user when the verifier follows a real issuer). */
  sub: string;
  /** The audience the protected route needs; valid tokens carry it plus `inventory`. */
  audience: string;
  /** Scopes of valid tokens; the route must need the first one and the 403 case drops it. */
  scopes: readonly [string, ...string[]];
  /** A listener that must never be contacted (counts hits); `jku`/`x5u` point at it. */
  trapUrl: string;
}

/** One case: a name, how to make the token (sent as `Bearer <token>`), and the status a verifier must answer. */
export type CorpusCase = [name: string, token: () => string, expected: 200 | 401 | 403];

/** base64url of a JSON value (or of a raw string, verbatim). */
export const enc = (v: unknown): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** Compact RS256 JWS over already-encoded header and payload segments. */
export function signSegments(h: string, p: string, key: KeyObject): string {
  return `${h}.${p}.${sign('sha256', Buffer.from(`${h}.${p}`), key).toString('base64url')}`;
}

const without = (base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> => {
  const out = { ...base, ...over };
  for (const [k, v] of Object.entries(over)) if (v === undefined) delete out[k];
  return out;
};

/**
 * The hostile-token corpus every verifier adapter (Nest, Express, Fastify, in the repo and
 * installed from the tarballs) must answer identically: two controls (200), forged, confused,
 * malformed and expired tokens (401), and a missing scope (403). Never a 5xx, never a fetch of a
 * URL from the token.
 *
 * @example for (const [name, make, expected] of hostileTokenCorpus(signer)) expect(await status(make())).toBe(expected);
 */
export function hostileTokenCorpus(s: CorpusSigner): CorpusCase[] {
  const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const now = () => Math.floor(Date.now() / 1000);
  const claims = (over: Record<string, unknown> = {}) =>
    without({ iss: s.issuer, sub: s.sub, aud: [s.audience, 'inventory'], exp: now() + 300, iat: now(), jti: randomUUID(), client_id: 'gatehouse', scope: s.scopes.join(' '), sid: randomUUID() }, over);
  const header = (over: Record<string, unknown> = {}) => without({ alg: 'RS256', typ: 'at+jwt', kid: s.kid }, over);
  const jwt = (c: Record<string, unknown> = {}, h: Record<string, unknown> = {}, k: KeyObject = s.key) => signSegments(enc(header(h)), enc(claims(c)), k);
  const rawPayload = (payload: string) => signSegments(enc(header()), Buffer.from(payload).toString('base64url'), s.key);
  const hmac = (alg: 'HS256' | 'HS384', secret: string | Buffer) => {
    const input = `${enc(header({ alg }))}.${enc(claims())}`;
    return `${input}.${createHmac(alg === 'HS256' ? 'sha256' : 'sha384', secret).update(input).digest('base64url')}`;
  };
  const publicKey = createPublicKey(s.key);
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const jwkJson = JSON.stringify(publicKey.export({ format: 'jwk' }));
  const valid = jwt();
  const [vh, vp, vs] = valid.split('.') as [string, string, string];
  const [needed, ...rest] = s.scopes;
  return [
    ['control: a well-formed token is accepted', () => jwt(), 200],
    ['alg none', () => `${enc(header({ alg: 'none' }))}.${enc(claims())}.`, 401],
    ['alg None', () => `${enc(header({ alg: 'None' }))}.${enc(claims())}.`, 401],
    ['alg NONE', () => `${enc(header({ alg: 'NONE' }))}.${enc(claims())}.`, 401],
    ['alg none with a signature', () => `${enc(header({ alg: 'none' }))}.${enc(claims())}.${vs}`, 401],
    ['HS256 with the public key as PEM', () => hmac('HS256', pem), 401],
    ['HS384 with the public key as PEM', () => hmac('HS384', pem), 401],
    ['HS256 with the public key as JWK JSON', () => hmac('HS256', jwkJson), 401],
    ['HS256 with the public key as DER', () => hmac('HS256', der), 401],
    ['RS256 by a foreign key with our kid', () => jwt({}, {}, foreign.privateKey), 401],
    ['PS256 header', () => jwt({}, { alg: 'PS256' }), 401],
    ['ES256 header', () => jwt({}, { alg: 'ES256' }), 401],
    ['embedded jwk (foreign key)', () => jwt({}, { jwk: foreign.publicKey.export({ format: 'jwk' }) }, foreign.privateKey), 401],
    ['embedded x5c', () => jwt({}, { x5c: ['MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'] }, foreign.privateKey), 401],
    ['jku pointing at a listener', () => jwt({}, { jku: s.trapUrl, kid: 'trap' }, foreign.privateKey), 401],
    ['x5u pointing at a listener', () => jwt({}, { x5u: s.trapUrl, kid: 'trap' }, foreign.privateKey), 401],
    ['jku with our kid and a valid signature', () => jwt({}, { jku: s.trapUrl }), 401],
    ['kid path traversal', () => jwt({}, { kid: '../../../../etc/passwd' }), 401],
    ['kid SQL injection', () => jwt({}, { kid: "' OR '1'='1' --" }), 401],
    ['kid with NUL', () => jwt({}, { kid: `${s.kid}\u0000` }), 401],
    ['kid of 10 KB', () => jwt({}, { kid: 'k'.repeat(10_240) }), 401],
    ['kid as a number', () => jwt({}, { kid: 12345 }), 401],
    ['kid as an object', () => jwt({}, { kid: { $ne: null } }), 401],
    ['kid missing', () => jwt({}, { kid: undefined }), 401],
    ['crit with an unknown parameter', () => jwt({}, { crit: ['x-gh'], 'x-gh': 1 }), 401],
    ['crit with b64', () => jwt({}, { crit: ['b64'], b64: false }), 401],
    ['typ missing', () => jwt({}, { typ: undefined }), 401],
    ['typ JWT', () => jwt({}, { typ: 'JWT' }), 401],
    ['typ id+jwt', () => jwt({}, { typ: 'id+jwt' }), 401],
    ['an opaque refresh-token-shaped string', () => randomUUID().replace(/-/g, '') + 'AbC_-x', 401],
    ['an ID-token-shaped JWT', () => jwt({ aud: 'gatehouse', nonce: 'n', auth_time: now() }, { typ: 'JWT' }), 401],
    ['JWS JSON serialization', () => JSON.stringify({ payload: vp, signatures: [{ protected: vh, signature: vs }] }), 401],
    ['JWE (5 parts)', () => `${enc({ alg: 'RSA-OAEP', enc: 'A256GCM', kid: s.kid })}.AAAA.AAAA.AAAA.AAAA`, 401],
    ['nested JWT (cty JWT)', () => signSegments(enc(header({ cty: 'JWT' })), Buffer.from(valid).toString('base64url'), s.key), 401],
    ['duplicate payload member (sub)', () => rawPayload(`{"iss":"${s.issuer}","sub":"a","sub":"${s.sub}","aud":"${s.audience}","exp":${now() + 300},"iat":${now()},"jti":"j","client_id":"gatehouse","scope":"${s.scopes.join(' ')}"}`), 401],
    ['duplicate header member (alg)', () => signSegments(Buffer.from(`{"alg":"none","alg":"RS256","typ":"at+jwt","kid":"${s.kid}"}`).toString('base64url'), enc(claims()), s.key), 401],
    ['non-canonical base64url signature', () => `${vh}.${vp}.${vs.slice(0, -1)}${vs.endsWith('A') ? 'B' : 'A'}`, 401],
    ['padded base64url', () => `${vh}.${vp}.${vs}==`, 401],
    ['standard base64 alphabet', () => `${vh}.${vp}.${vs.replace(/-/g, '+').replace(/_/g, '/')}x+/`, 401],
    ['invalid UTF-8 in the payload', () => signSegments(enc(header()), Buffer.concat([Buffer.from('{"sub":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]).toString('base64url'), s.key), 401],
    ['payload is an array', () => rawPayload('[1,2,3]'), 401],
    ['payload is a string', () => rawPayload('"hello"'), 401],
    ['payload is null', () => rawPayload('null'), 401],
    ['exp as a string', () => jwt({ exp: String(now() + 300) }), 401],
    ['exp == now', () => jwt({ exp: now(), iat: now() - 60 }), 401],
    ['exp just past', () => jwt({ exp: now() - 1, iat: now() - 60 }), 401],
    ['exp past the leeway', () => jwt({ exp: now() - 31, iat: now() - 90 }), 401],
    ['iat in the future', () => jwt({ iat: now() + 120, exp: now() + 400 }), 401],
    ['nbf in the future', () => jwt({ nbf: now() + 120 }), 401],
    ...(['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'client_id', 'scope'] as const).map((claim): CorpusCase => [`missing ${claim}`, () => jwt({ [claim]: undefined }), 401]),
    ['iss with a trailing slash', () => jwt({ iss: `${s.issuer}/` }), 401],
    ['iss in different case', () => jwt({ iss: s.issuer.toUpperCase() }), 401],
    ['aud array without us', () => jwt({ aud: ['some-other-service'] }), 401],
    ['aud empty array', () => jwt({ aud: [] }), 401],
    ['aud empty string', () => jwt({ aud: '' }), 401],
    ['signature from another token', () => `${vh}.${enc(claims({ scope: `${s.scopes.join(' ')} gatehouse:admin` }))}.${vs}`, 401],
    ['truncated signature', () => `${vh}.${vp}.${vs.slice(0, 100)}`, 401],
    ['empty token', () => '', 401],
    ['two dots only', () => '..', 401],
    [`scope without ${needed}`, () => jwt({ scope: rest.length > 0 ? rest.join(' ') : 'unrelated:scope' }), 403],
  ];
}
