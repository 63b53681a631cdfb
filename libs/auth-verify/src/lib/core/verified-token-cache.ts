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

/** Bits of the doorkeeper (16 KiB): which tokens have been verified once. */
const SEEN_BITS = 1 << 17;
/** The doorkeeper starts afresh after this many marks: at most an eighth of its bits are set, so a token taken for seen when it was not stays rarer than 1 in 8 (it is then stored at once, as before). */
const SEEN_RESET = SEEN_BITS / 8;

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
 * revocation store and the JWKS (a dropped key ends its tokens at once). Only the guard's own
 * verifications are inserted.
 *
 * Bounded by two generations of at most `max / 2` entries each: new entries go into the recent
 * one; when it is full it becomes the older one and the previous older one is dropped whole. A
 * hit in the older generation moves the entry back into the recent one, so tokens in use stay
 * while tokens seen once age out. Each step is O(1): evicting one entry at a time from the front
 * of a Map (its oldest) made V8 step over every slot deleted before it, which cost more than the
 * rest of a new token's claim checks together under load.
 */
export class VerifiedTokenCache {
  private recent = new Map<number, Entry>();
  private older = new Map<number, Entry>();
  /** Entries per generation. */
  private readonly generation: number;
  /** Tokens verified once, one bit per key (a token is stored on its second verification). */
  private readonly seen = new Int32Array(SEEN_BITS / 32);
  private marks = 0;

  /** @param max - entries kept at most (0 disables the cache; 1 keeps one) */
  constructor(private readonly max: number) {
    this.generation = Math.max(1, Math.floor(max / 2));
  }

  /** The verified token `raw`, if cached and not yet expired at `nowMs`. */
  get(raw: string, nowMs = Date.now()): VerifiedToken | undefined {
    const key = keyOf(raw);
    const entry = this.recent.get(key);
    if (entry !== undefined) {
      if (entry.token !== raw) return undefined;
      if (nowMs < entry.expiresAtMs) return entry;
      this.recent.delete(key);
      return undefined;
    }
    const old = this.older.get(key);
    if (old === undefined || old.token !== raw) return undefined;
    this.older.delete(key);
    if (nowMs >= old.expiresAtMs) return undefined;
    this.insert(key, old);
    return old;
  }

  /**
   * Remembers a token that has just passed full verification, found not revoked at revocation
   * state version `clearedAt` — from its second verification on: the first one only marks it as
   * seen. A token used once (a cold start, a client that fetches a token per call) then costs no
   * entry: the entries are what outlives a request, and each one made the GC copy and promote the
   * token, its payload and its claims. A token in use is verified twice instead of once.
   */
  set(raw: string, kid: string, claims: AccessTokenClaims, clearedAt = -1): void {
    const key = keyOf(raw);
    if (this.max <= 0 || this.recent.has(key) || this.older.has(key) || !this.seenBefore(key)) return;
    this.insert(key, { token: raw, claims, kid, clearedAt, expiresAtMs: claims.exp * 1000 });
  }

  /** Whether a token with this key was verified before (then true), else marks it (false). */
  private seenBefore(key: number): boolean {
    const word = (key & (SEEN_BITS - 1)) >>> 5;
    const bit = 1 << (key & 31);
    if ((this.seen[word] ?? 0) & bit) return true;
    if (this.marks++ >= SEEN_RESET) {
      this.seen.fill(0);
      this.marks = 1;
    }
    this.seen[word] = (this.seen[word] ?? 0) | bit;
    return false;
  }

  private insert(key: number, entry: Entry): void {
    if (this.recent.size >= this.generation) {
      // The full recent generation becomes the older one (none is kept when max is 1).
      this.older = this.max > 1 ? this.recent : new Map();
      this.recent = new Map();
    }
    this.recent.set(key, entry);
  }

  /** Forgets a token (revoked). */
  delete(raw: string): void {
    const key = keyOf(raw);
    if (this.recent.get(key)?.token === raw) this.recent.delete(key);
    if (this.older.get(key)?.token === raw) this.older.delete(key);
  }

  /** Entries held. */
  get size(): number {
    return this.recent.size + this.older.size;
  }
}
