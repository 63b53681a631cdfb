import type { AccessTokenClaims } from '@gatehouse/contracts';

/** A token that passed full verification, with what is needed to honour it again. */
export interface VerifiedToken {
  claims: AccessTokenClaims;
  /** Key that signed it: a hit counts only while this kid is still in the JWKS. */
  kid: string;
}

interface Entry extends VerifiedToken {
  /** The whole token: a hit must be this exact string, not just its signature. */
  token: string;
  expiresAtMs: number;
}

/**
 * Entries are found by the signature segment (a third of the token), so each lookup hashes a
 * third of the characters of a string that is new on every request; a hit is then confirmed
 * against the whole token.
 */
function signatureOf(raw: string): string {
  return raw.slice(raw.lastIndexOf('.') + 1);
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

  /** The verified token `raw`, if cached and not yet expired. */
  get(raw: string): VerifiedToken | undefined {
    const key = signatureOf(raw);
    const entry = this.entries.get(key);
    if (!entry || entry.token !== raw) return undefined;
    if (Date.now() >= entry.expiresAtMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /** Remembers a token that has just passed full verification. */
  set(raw: string, kid: string, claims: AccessTokenClaims): void {
    const key = signatureOf(raw);
    if (this.max <= 0 || this.entries.has(key)) return;
    if (this.entries.size >= this.max) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { token: raw, claims, kid, expiresAtMs: claims.exp * 1000 });
  }

  /** Forgets a token (revoked). */
  delete(raw: string): void {
    const key = signatureOf(raw);
    if (this.entries.get(key)?.token === raw) this.entries.delete(key);
  }

  /** Entries held. */
  get size(): number {
    return this.entries.size;
  }
}
