import { parseAccessTokenClaims, type AccessTokenClaims } from '@gatehouse/contracts';
import { verify as verifySignature, type KeyObject } from 'node:crypto';
import { JwksCache } from './jwks-cache';
import { RevocationStaleError } from './revocation-stale-error';
import { RevocationStore } from './revocation-store';
import { parseCompactJws, TokenRejection, type CompactJws } from './token-rejection';
import { VerifiedTokenCache } from './verified-token-cache';
import type { ResolvedVerifierOptions } from './verifier-options';

/**
 * Verifies Gatehouse access tokens for the global guard (and for callers outside HTTP, e.g. a
 * WebSocket handshake: inject it), in one pass: the header and payload are
 * decoded once ({@link parseCompactJws}), the signature is checked with a one-shot
 * `crypto.verify` (RS256 only, key by kid from the JWKS cache — never from the token), then
 * iss, aud, exp (strict), iat/nbf (with leeway), claim types and the revocation store.
 * A token that passed all of it is remembered until its exp, from its second verification on ({@link VerifiedTokenCache}); a
 * reuse still needs its kid in the JWKS, revocation state that is current, and a fresh look at
 * the revocation maps whenever an event has changed them since the token was last found clear.
 *
 * The RSA operation of a token not seen before runs on the libuv thread pool (`crypto.verify`
 * with a callback), like jose does, while the pool has room (`poolVerifications`, by default
 * one check per core): the event loop keeps serving requests while it
 * runs, so a burst of new tokens (a login wave, a key rotation) uses more than one core. Beyond
 * that, and with `poolVerifications: 0`, the event loop verifies inline and answers
 * synchronously. Concurrent requests with the same new token share one pooled verification
 * (single flight).
 *
 * Why not jsonwebtoken: it decodes the token again, converts the signature through base64 and
 * builds a Verify stream per call — together 2–3× the cost of the RSA operation itself.
 */
/** Header segments remembered (an issuer signs with one key, two around a rotation). */
const KNOWN_HEADERS = 16;

export class TokenVerifier {
  /** RSA checks now on the thread pool. */
  private onPool = 0;
  /** Header segments of tokens that verified, with their kid: a new token of a known key skips decoding its header (bounded: a few keys at a time). */
  private readonly knownHeaders = new Map<string, string>();
  /** Verifications under way on the thread pool, by token (a client's parallel requests share one). */
  private readonly inFlight = new Map<string, Promise<AccessTokenClaims>>();

  constructor(
    private readonly options: Pick<ResolvedVerifierOptions, 'issuer' | 'audience' | 'leewaySeconds' | 'poolVerifications'>,
    private readonly jwks: JwksCache,
    private readonly store: RevocationStore,
    /** Tokens already verified (exposed for tests and metrics). */
    readonly verified: VerifiedTokenCache,
  ) {}

  /**
   * The verified claims of `raw`: synchronous for a token verified before (cache hit) and for one
   * checked inline (the pool full, or `poolVerifications: 0`), otherwise a promise (signature on the
   * thread pool; the JWKS fetched first if its kid is unknown). Refusals are thrown synchronously
   * where the answer is synchronous, else the promise rejects.
   *
   * @param raw - the compact JWS (without `Bearer `)
   * @throws TokenRejection (the guard answers 401 `AUTH_TOKEN_INVALID`) with the reason; `SERVICE_UNAVAILABLE` (503) when revocation state is stale
   * @example const claims = await verifier.verify(token);
   */
  verify(raw: string): AccessTokenClaims | Promise<AccessTokenClaims> {
    const now = Date.now();
    const hit = this.verified.get(raw, now);
    if (hit && this.jwks.cached(hit.kid)) {
      // The revocation maps are consulted again only when an event has changed them since this
      // token was last found clear; staleness is judged on every request.
      const version = this.store.version;
      if (hit.clearedAt !== version || !this.store.current(hit.claims, now)) {
        assertNotRevoked(this.store, hit.claims);
        hit.clearedAt = version;
      }
      return hit.claims;
    }
    // A map lookup hashes the whole token: only while something is in flight.
    const pending = this.inFlight.size > 0 ? this.inFlight.get(raw) : undefined;
    if (pending) return pending;
    const jws = parseCompactJws(raw, this.knownHeaders);
    const key = this.jwks.cached(jws.kid);
    // No room on the pool: verified here and now, synchronously (nothing to share or wait for).
    if (key && this.onPool >= this.options.poolVerifications) return this.checkInline(raw, jws, key);
    const verified = key
      ? this.checkOnPool(raw, jws, key)
      : this.jwks.key(jws.kid).then(
          (fetched) => {
            if (!fetched) throw new TokenRejection('unknown_kid');
            return this.onPool >= this.options.poolVerifications ? this.checkInline(raw, jws, fetched) : this.checkOnPool(raw, jws, fetched);
          },
          () => {
            throw new TokenRejection('jwks');
          },
        );
    this.inFlight.set(raw, verified);
    const done = () => void this.inFlight.delete(raw);
    verified.then(done, done);
    return verified;
  }

  /** The RS256 check on the thread pool, then {@link accept} back on the event loop. */
  private checkOnPool(raw: string, jws: CompactJws, key: KeyObject): Promise<AccessTokenClaims> {
    this.onPool++;
    return new Promise((resolve, reject) => {
      const settle = (err: Error | null, valid: boolean): void => {
        this.onPool--;
        if (err || !valid) return reject(new TokenRejection('signature'));
        try {
          resolve(this.accept(raw, jws));
        } catch (rejection) {
          reject(rejection);
        }
      };
      try {
        verifySignature('sha256', Buffer.from(jws.signingInput, 'latin1'), key, Buffer.from(jws.signature, 'base64url'), settle);
      } catch {
        this.onPool--;
        reject(new TokenRejection('signature'));
      }
    });
  }

  private checkInline(raw: string, jws: CompactJws, key: KeyObject): AccessTokenClaims {
    let valid: boolean;
    try {
      valid = verifySignature('sha256', Buffer.from(jws.signingInput, 'latin1'), key, Buffer.from(jws.signature, 'base64url'));
    } catch {
      valid = false;
    }
    if (!valid) throw new TokenRejection('signature');
    return this.accept(raw, jws);
  }

  /**
   * Claims and revocation checks of a token whose signature is valid, then remembers it.
   * Runs on the event loop after the signature check, so the revocation verdict is current.
   */
  private accept(raw: string, jws: CompactJws): AccessTokenClaims {
    let payload: unknown = jws.payload;
    if (payload === undefined)
      try {
        payload = JSON.parse(jws.payloadJson);
      } catch {
        throw new TokenRejection('malformed');
      }
    const claims = validateClaims(payload, this.options);
    const version = this.store.version;
    assertNotRevoked(this.store, claims);
    this.verified.set(raw, jws.kid, claims, version);
    if (!jws.headerKnown && !this.knownHeaders.has(jws.header)) {
      if (this.knownHeaders.size >= KNOWN_HEADERS) this.knownHeaders.clear();
      this.knownHeaders.set(jws.header, jws.kid);
    }
    return claims;
  }
}

/**
 * Checks the claims of a token whose signature is valid: types (the contracts schema, through
 * `parseAccessTokenClaims`; unknown claims stripped), iss, aud, exp (a token is dead at exp), and iat/nbf no further ahead than the leeway.
 *
 * @throws TokenRejection with the reason
 */
export function validateClaims(payload: unknown, options: Pick<ResolvedVerifierOptions, 'issuer' | 'audience' | 'leewaySeconds'>): AccessTokenClaims {
  const claims = parseAccessTokenClaims(payload);
  if (!claims) throw new TokenRejection('claims');
  if (claims.iss !== options.issuer) throw new TokenRejection('issuer');
  if (!(typeof claims.aud === 'string' ? claims.aud === options.audience : claims.aud.includes(options.audience))) throw new TokenRejection('audience');
  const now = Math.floor(Date.now() / 1000);
  if (now >= claims.exp) throw new TokenRejection('expired');
  if (claims.iat > now + options.leewaySeconds) throw new TokenRejection('iat_future');
  if (claims.nbf !== undefined && claims.nbf > now + options.leewaySeconds) throw new TokenRejection('not_before');
  return claims;
}

/**
 * Consults the revocation store for verified claims.
 *
 * @throws RevocationStaleError (`SERVICE_UNAVAILABLE`, 503) when the store is not current; TokenRejection when revoked
 */
export function assertNotRevoked(store: RevocationStore, claims: AccessTokenClaims): void {
  const verdict = store.verdict(claims);
  if (verdict.ok) return;
  if (verdict.reason === 'stale') throw new RevocationStaleError();
  throw new TokenRejection(verdict.reason);
}
