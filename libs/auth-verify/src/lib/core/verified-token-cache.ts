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

/** Characters of the token that make its key: the end of the signature (RS256: 342 characters). */
const KEY_CHARS = 8;

/**
 * Entries are found by a small integer made from the last {@link KEY_CHARS} characters of the
 * token, the end of the signature the issuer computed: no string is cut or hashed per request,
 * and the lookup is on a small integer. A hit is then confirmed against the whole token. Two
 * tokens with the same key are rare (30 bits); the second one is then verified on every use
 * rather than cached. A token made to end like a cached one finds that entry, fails the
 * comparison and is verified in full; it cannot displace the entry (only verified tokens are
 * stored, and the first one keeps its key).
 */
function keyOf(raw: string): number {
  let h = 0;
  for (let i = Math.max(0, raw.length - KEY_CHARS); i < raw.length; i++) h = (Math.imul(h, 31) + raw.charCodeAt(i)) | 0;
  return h & 0x3fffffff;
}

/**
 * Tokens that passed full verification, by their exact compact serialisation, until `exp`.
 * Clients reuse a token for minutes, and an RS256 verify costs far more than the request
 * it guards; a hit skips only the signature and claim checks — the caller still consults the
 * revocation store and the JWKS (a dropped key ends its tokens at once). Bounded: the oldest
 * entry makes room for a new one. Only the guard's own verifications are inserted.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<number, Entry>();
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
