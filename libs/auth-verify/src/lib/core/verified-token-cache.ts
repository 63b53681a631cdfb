import type { AccessTokenClaims } from '@gatehouse/contracts';

/** A token that passed full verification, with what is needed to honour it again. */
export interface VerifiedToken {
  claims: AccessTokenClaims;
  /** Key that signed it: a hit counts only while this kid is still in the JWKS. */
  kid: string;
  /** The revocation state's version when the token was last found not revoked (see `RevocationStore.version`). */
  clearedAt: number;
}

interface Entry extends VerifiedToken {
  /** The whole token: a hit must be this exact string, not just its signature. */
  token: string;
  expiresAtMs: number;
}

/** Characters of the key: the end of the signature (RS256: 342 characters). */
const KEY_LENGTH = 32;

/**
 * Entries are found by the last {@link KEY_LENGTH} characters of the token, the end of its
 * signature (192 bits the signer chose), so a lookup hashes 32 characters of a string that is new
 * on every request rather than all of them; a hit is then confirmed against the whole token. A
 * token made to end like a cached one finds that entry, fails the comparison and is verified in
 * full; it cannot displace the entry (only verified tokens are stored, the first one keeps the key).
 */
function keyOf(raw: string): string {
  return raw.slice(-KEY_LENGTH);
}

/**
 * Tokens that passed full verification, by their exact compact serialisation, until `exp`.
 * Clients reuse a token for minutes, and an RS256 verify costs far more than the request
 * it guards; a hit skips only the signature and claim checks — the caller still consults the
 * revocation store and the JWKS (a dropped key ends its tokens at once). Bounded: the oldest
 * entry makes room for a new one. Only the guard's own verifications are inserted.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, Entry>();
  /** @param max - entries kept (0 disables the cache) */
  constructor(private readonly max: number) {}

  /** The verified token `raw`, if cached and not yet expired at `nowMs`. */
  get(raw: string, nowMs = Date.now()): VerifiedToken | undefined {
    const key = keyOf(raw);
    const entry = this.entries.get(key);
    if (!entry || entry.token !== raw) return undefined;
    if (nowMs >= entry.expiresAtMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /** Remembers a token that has just passed full verification, found not revoked at revocation state version `clearedAt`. */
  set(raw: string, kid: string, claims: AccessTokenClaims, clearedAt = -1): void {
    const key = keyOf(raw);
    if (this.max <= 0 || this.entries.has(key)) return;
    if (this.entries.size >= this.max) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { token: raw, claims, kid, clearedAt, expiresAtMs: claims.exp * 1000 });
  }

  /** Forgets a token (revoked). */
  delete(raw: string): void {
    const key = keyOf(raw);
    if (this.entries.get(key)?.token === raw) this.entries.delete(key);
  }

  /** Entries held. */
  get size(): number {
    return this.entries.size;
  }
}
