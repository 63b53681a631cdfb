import type { AccessTokenClaims } from '@gatehouse/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { AUTH_VERIFY_OPTIONS, type ResolvedAuthVerifyOptions } from './auth-verify.options';

/** A token that passed full verification, with what is needed to honour it again. */
export interface VerifiedToken {
  claims: AccessTokenClaims;
  /** Key that signed it: a hit counts only while this kid is still in the JWKS. */
  kid: string;
}

interface Entry extends VerifiedToken {
  expiresAtMs: number;
}

/**
 * Tokens that passed full verification, by their exact compact serialisation, until `exp`.
 * Clients reuse a token for minutes, and an RS256 verify costs far more than the request
 * it guards; a hit skips only the signature and claim checks — the caller still consults the
 * revocation store and the JWKS (a dropped key ends its tokens at once). Bounded: the oldest
 * entry makes room for a new one. Only the guard's own verifications are inserted.
 */
@Injectable()
export class VerifiedTokenCache {
  private readonly entries = new Map<string, Entry>();
  private readonly max: number;

  constructor(@Inject(AUTH_VERIFY_OPTIONS) options: ResolvedAuthVerifyOptions) {
    this.max = options.verifiedTokenCacheSize;
  }

  /** The verified token `raw`, if cached and not yet expired. */
  get(raw: string): VerifiedToken | undefined {
    const entry = this.entries.get(raw);
    if (!entry) return undefined;
    if (Date.now() >= entry.expiresAtMs) {
      this.entries.delete(raw);
      return undefined;
    }
    return entry;
  }

  /** Remembers a token that has just passed full verification. */
  set(raw: string, kid: string, claims: AccessTokenClaims): void {
    if (this.max <= 0 || this.entries.has(raw)) return;
    if (this.entries.size >= this.max) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(raw, { claims, kid, expiresAtMs: claims.exp * 1000 });
  }

  /** Forgets a token (revoked). */
  delete(raw: string): void {
    this.entries.delete(raw);
  }

  /** Entries held. */
  get size(): number {
    return this.entries.size;
  }
}
