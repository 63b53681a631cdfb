import type { EventLogger } from '@gatehouse/revocation-events';
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { ResolvedVerifierOptions } from './verifier-options';

const MAX_KEYS = 32;
const UNLOADED_RETRY_MS = 1000;

/**
 * The issuer's public keys by kid. Fetches with a timeout; an unknown kid triggers at most one
 * fetch per cooldown, however many random kids arrive; concurrent refreshes share one request;
 * on a failed fetch the last good keys stay in use (stale-if-error). Only the configured URL is
 * ever fetched — never a URL from a token header.
 */
export class JwksCache {
  private keys = new Map<string, KeyObject>();
  private lastAttempt = 0;
  private loadedAt = 0;
  private readonly banned = new Set<string>();
  private inflight: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Number of fetches made (for tests and metrics). */
  fetches = 0;

  constructor(
    private readonly options: Pick<ResolvedVerifierOptions, 'jwksUri' | 'jwksTimeoutMs' | 'jwksRefreshMs' | 'jwksCooldownMs'>,
    private readonly logger: EventLogger,
  ) {}

  /** Loads the keys once and schedules periodic refreshes. Never throws: readiness reports it. */
  async start(): Promise<void> {
    await this.refresh();
    this.schedule();
  }

  private schedule(): void {
    // Until keys are loaded, poll every second so readiness turns green soon after the issuer starts.
    const delay = this.loaded ? this.options.jwksRefreshMs : UNLOADED_RETRY_MS;
    this.timer = setTimeout(() => {
      this.refresh()
        .catch(() => undefined)
        .finally(() => {
          if (this.timer) this.schedule();
        });
    }, delay);
    this.timer.unref();
  }

  /** Stops the periodic refresh. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Whether at least one key is loaded. */
  get loaded(): boolean {
    return this.keys.size > 0;
  }

  /** The key for `kid`, refreshing (within the cooldown) if it is unknown. */
  async key(kid: string): Promise<KeyObject | null> {
    const known = this.keys.get(kid);
    if (known) return known;
    // Before the first successful fetch (issuer still starting) retry every second, not per cooldown.
    const cooldown = this.loaded ? this.options.jwksCooldownMs : Math.min(this.options.jwksCooldownMs, UNLOADED_RETRY_MS);
    if (Date.now() - this.lastAttempt < cooldown) return null;
    await this.refresh();
    return this.keys.get(kid) ?? null;
  }

  /** The key for `kid` if already loaded (no I/O). */
  cached(kid: string): KeyObject | undefined {
    return this.keys.get(kid);
  }

  /**
   * Forgets every key not in `kids` at once (a forced rotation after a compromise names the only
   * keys still trusted), without waiting for a fetch that might fail or be slow.
   *
   * @param eventTime - when the rotation event was stored
   */
  retain(kids: readonly string[], eventTime: Date): void {
    // Keys fetched after the event already reflect it (a verifier replaying the stream at boot).
    if (eventTime.getTime() <= this.loadedAt) return;
    for (const kid of [...this.keys.keys()]) {
      if (kids.includes(kid)) continue;
      // Banned for good: the issuer may still serve the old key for a moment after the event
      // (its in-memory JWKS lags the commit), and a refetch must not bring it back.
      this.banned.add(kid);
      this.keys.delete(kid);
    }
  }

  /** Fetches the JWKS now (single flight). Keeps the old keys if the fetch fails. */
  refresh(): Promise<void> {
    this.inflight ??= this.fetchKeys().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async fetchKeys(): Promise<void> {
    this.lastAttempt = Date.now();
    this.fetches++;
    try {
      const res = await fetch(this.options.jwksUri, { signal: AbortSignal.timeout(this.options.jwksTimeoutMs), redirect: 'error' });
      if (!res.ok) throw new Error(`JWKS answered ${res.status}`);
      const body = (await res.json()) as { keys?: unknown };
      const started = this.lastAttempt;
      this.keys = parseKeys(body.keys, this.banned);
      this.loadedAt = started;
    } catch (err) {
      this.logger.warn({ keys: this.keys.size, err: err instanceof Error ? err.message : 'error' }, 'JWKS fetch failed; keeping cached keys');
    }
  }
}

function parseKeys(raw: unknown, banned: ReadonlySet<string>): Map<string, KeyObject> {
  if (!Array.isArray(raw)) throw new Error('JWKS has no keys array');
  const out = new Map<string, KeyObject>();
  for (const jwk of raw.slice(0, MAX_KEYS) as Record<string, unknown>[]) {
    if (jwk['kty'] !== 'RSA' || typeof jwk['kid'] !== 'string' || (jwk['alg'] !== undefined && jwk['alg'] !== 'RS256')) continue;
    if (jwk['use'] !== undefined && jwk['use'] !== 'sig') continue;
    if (banned.has(jwk['kid'])) continue;
    try {
      const key = createPublicKey({ key: { kty: 'RSA', n: String(jwk['n']), e: String(jwk['e']) }, format: 'jwk' });
      if ((key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048) out.set(jwk['kid'], key);
    } catch {
      // a malformed key is skipped, the others stay usable
    }
  }
  return out;
}
