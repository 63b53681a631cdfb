import { checkAudience, normaliseScope, resolveOptions } from './client-options';
import type { ResolvedOptions, ServiceTokenClientOptions } from './client-options';
import { createHash } from 'node:crypto';
import { basicAuthorization, requestExchange, requestToken, type GrantedToken } from './token-endpoint';
import { isReplayableBody } from './replayable-body';
import { ServiceTokenInvalidArgumentError } from './service-token-errors';

/** `init` of {@link ServiceTokenClient.fetchWithToken}: a normal `RequestInit` plus token selection. */
export type FetchWithTokenInit = RequestInit & {
  /** Audience of the service being called, e.g. `inventory`. */
  audience: string;
  /** Space-separated scopes to request, e.g. `inventory:reserve`. */
  scope?: string;
  /** Correlation id sent as `x-request-id` when it is 1–128 chars of `[A-Za-z0-9._:-]`, else dropped. */
  requestId?: string;
  /**
   * The user's access token: call on their behalf with a token obtained by {@link ServiceTokenClient.exchange}
   * (RFC 8693) instead of this service's own client-credentials token.
   */
  subjectToken?: string;
};

/** Cache counters of {@link ServiceTokenClient.exchange}, for metrics and the benchmark. */
export interface ExchangeCacheStats {
  /** Calls answered from the cache (or by joining an exchange in flight). */
  hits: number;
  /** Calls that sent a token exchange. */
  misses: number;
  /** Exchanged tokens held now. */
  size: number;
}

interface CachedToken {
  accessToken: string;
  refreshAt: number;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Most exchanged tokens kept (one per user token × audience × scope); beyond it the oldest goes. */
const MAX_EXCHANGED = 10_000;

/**
 * Client-credentials token cache for service-to-service calls: one token per (audience, scope),
 * reused until `expires_in - refreshSkewSeconds`, refreshed by a single request for all concurrent callers.
 *
 * @param options - see {@link ServiceTokenClientOptions}
 * @throws ServiceTokenInvalidArgumentError `SERVICE_TOKEN_INVALID_ARGUMENT` if an option is invalid
 * @example
 * ```ts
 * const tokens = new ServiceTokenClient({
 *   tokenUrl: 'http://localhost:3000/oauth/token',
 *   clientId: 'orders-service',
 *   clientSecret: process.env.SERVICE_CLIENT_SECRET!,
 * });
 * const res = await tokens.fetchWithToken('http://localhost:3002/items/abc/reservations', {
 *   method: 'POST',
 *   headers: { 'content-type': 'application/json' },
 *   body: JSON.stringify({ quantity: 1 }),
 *   audience: 'inventory',
 *   scope: 'inventory:reserve',
 *   requestId,
 * });
 * ```
 */
export class ServiceTokenClient {
  readonly #options: ResolvedOptions;
  readonly #authorization: string;
  readonly #cache = new Map<string, CachedToken>();
  readonly #inFlight = new Map<string, Promise<string>>();
  readonly #exchanged = new Map<string, CachedToken>();
  readonly #exchanging = new Map<string, Promise<string>>();
  readonly #stats = { hits: 0, misses: 0 };

  constructor(options: ServiceTokenClientOptions) {
    this.#options = resolveOptions(options);
    this.#authorization = basicAuthorization(this.#options.clientId, this.#options.clientSecret);
  }

  /**
   * Returns a cached access token for `audience` (and `scope`), or fetches one. Concurrent callers
   * with an empty or stale cache share one token request; if it fails, all of them get the error and
   * nothing is cached, so the next call tries again.
   *
   * @param audience - audience of the target service, e.g. `inventory`
   * @param scope - optional space-separated scopes; order and duplicates do not matter
   * @returns the bearer access token
   * @throws ServiceTokenInvalidArgumentError `SERVICE_TOKEN_INVALID_ARGUMENT` for a bad audience or scope
   * @throws ServiceTokenRejectedError `SERVICE_TOKEN_REJECTED` when auth-service answers 4xx
   * @throws ServiceTokenUnavailableError `SERVICE_TOKEN_UNAVAILABLE` on network error, timeout, 5xx or a malformed response
   * @example
   * ```ts
   * const token = await tokens.getToken('inventory', 'inventory:reserve');
   * ```
   */
  getToken(audience: string, scope?: string): Promise<string> {
    try {
      const normalisedScope = normaliseScope(scope);
      const key = cacheKey(checkAudience(audience), normalisedScope);
      const cached = this.#cache.get(key);
      if (cached !== undefined && this.#options.now() < cached.refreshAt) return Promise.resolve(cached.accessToken);
      return this.#inFlight.get(key) ?? this.#refresh(key, audience, normalisedScope);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Trades a user's access token for one addressed to `audience` (RFC 8693 token exchange, within
   * this client's exchange policy at auth-service). Cached per user token, audience and scope until
   * `expires_in - refreshSkewSeconds` (an exchanged token never outlives the user's), one request for
   * all concurrent callers; a failure is not cached.
   *
   * @param subjectToken - the user's access token, as the caller presented it
   * @param audience - audience of the target service, e.g. `inventory`
   * @param scopes - optional space-separated scopes (default: everything the policy allows there)
   * @returns the exchanged access token (`sub` the user, `act.sub` this client)
   * @throws ServiceTokenInvalidArgumentError `SERVICE_TOKEN_INVALID_ARGUMENT` for a bad token, audience or scope
   * @throws ServiceTokenRejectedError `SERVICE_TOKEN_REJECTED` when auth-service refuses (`invalid_grant`: the user's token is dead)
   * @throws ServiceTokenUnavailableError `SERVICE_TOKEN_UNAVAILABLE` on network error, timeout, 5xx or a malformed response
   * @example
   * ```ts
   * const onBehalf = await tokens.exchange(userToken, 'inventory', 'inventory:reserve');
   * ```
   */
  exchange(subjectToken: string, audience: string, scopes?: string): Promise<string> {
    try {
      const scope = normaliseScope(scopes);
      const key = exchangeKey(checkSubjectToken(subjectToken), checkAudience(audience), scope);
      const cached = this.#exchanged.get(key);
      if (cached !== undefined && this.#options.now() < cached.refreshAt) {
        this.#stats.hits++;
        return Promise.resolve(cached.accessToken);
      }
      if (cached !== undefined) this.#exchanged.delete(key);
      const pending = this.#exchanging.get(key);
      if (pending) {
        this.#stats.hits++;
        return pending;
      }
      this.#stats.misses++;
      return this.#fill(this.#exchanged, this.#exchanging, key, () => requestExchange(this.#options, this.#authorization, subjectToken, audience, scope));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Hits and misses of {@link exchange} since this client was created, and the entries held. */
  exchangeStats(): ExchangeCacheStats {
    return { ...this.#stats, size: this.#exchanged.size };
  }

  /**
   * Drops the cached token for `audience` (and `scope`) so the next {@link getToken} fetches a new one.
   * A token request already in flight is detached: its result is returned to its waiters but not cached.
   *
   * @param audience - audience the token was obtained for
   * @param scope - the same scope that was passed to {@link getToken}
   * @throws ServiceTokenInvalidArgumentError `SERVICE_TOKEN_INVALID_ARGUMENT` for a bad audience or scope
   */
  invalidate(audience: string, scope?: string): void {
    const key = cacheKey(checkAudience(audience), normaliseScope(scope));
    this.#cache.delete(key);
    this.#inFlight.delete(key);
  }

  /**
   * `fetch` with `Authorization: Bearer <token>` (overriding any given) and `x-request-id`.
   * On a 401 the token is invalidated, a fresh one is fetched and the request is sent once more;
   * the second response is returned whatever its status. The retry only happens when the body can be
   * sent twice: `undefined`, `null`, a string, `URLSearchParams` or a `Uint8Array`/`Buffer`. With any
   * other body (streams, `FormData`, `Blob`) the first 401 is returned, and the token is still invalidated.
   *
   * @param url - URL of the target service
   * @param init - `RequestInit` plus `audience`, optional `scope` and `requestId`
   * @returns the response (the retried one after a 401)
   * @throws ServiceTokenInvalidArgumentError `SERVICE_TOKEN_INVALID_ARGUMENT` for a bad audience or scope
   * @throws ServiceTokenRejectedError `SERVICE_TOKEN_REJECTED` when auth-service refuses a token
   * @throws ServiceTokenUnavailableError `SERVICE_TOKEN_UNAVAILABLE` when no token can be obtained
   * @example
   * ```ts
   * const res = await tokens.fetchWithToken(`${inventoryUrl}/items/${sku}/reservations`, {
   *   method: 'POST', body: JSON.stringify({ quantity }), headers: { 'content-type': 'application/json' },
   *   audience: 'inventory', scope: 'inventory:reserve', requestId,
   * });
   * ```
   */
  async fetchWithToken(url: string | URL, init: FetchWithTokenInit): Promise<Response> {
    if (typeof init !== 'object' || init === null) {
      throw new ServiceTokenInvalidArgumentError('init', 'must be an object with an audience');
    }
    const { audience, scope, requestId, subjectToken, ...rest } = init;
    const obtain = () => (subjectToken === undefined ? this.getToken(audience, scope) : this.exchange(subjectToken, audience, scope));
    const token = await obtain();
    const first = await fetch(url, withHeaders(rest, token, requestId));
    if (first.status !== 401) return first;
    if (subjectToken === undefined) this.#invalidateIfCurrent(this.#cache, cacheKey(audience, normaliseScope(scope)), token);
    else this.#invalidateIfCurrent(this.#exchanged, exchangeKey(subjectToken, audience, normaliseScope(scope)), token);
    if (!isReplayableBody(rest.body)) return first;
    // Release the first connection before retrying.
    await first.body?.cancel().catch(() => undefined);
    const fresh = await obtain();
    return fetch(url, withHeaders(rest, fresh, requestId));
  }

  #refresh(key: string, audience: string, scope: string | undefined): Promise<string> {
    return this.#fill(this.#cache, this.#inFlight, key, () => requestToken(this.#options, this.#authorization, audience, scope));
  }

  /** One request for `key`, shared by every caller until it settles; only it may fill `cache`. */
  #fill(cache: Map<string, CachedToken>, inFlight: Map<string, Promise<string>>, key: string, request: () => Promise<GrantedToken>): Promise<string> {
    const startedAt = this.#options.now();
    const pending = request().then(
      (granted) => {
        // Only the request still registered for this key may fill the cache (invalidate detaches it).
        if (inFlight.get(key) === pending) {
          const lifetimeMs = (granted.expiresInSeconds - this.#options.refreshSkewSeconds) * 1000;
          if (lifetimeMs > 0) {
            if (cache === this.#exchanged && cache.size >= MAX_EXCHANGED) this.#evictExchanged();
            cache.set(key, { accessToken: granted.accessToken, refreshAt: startedAt + lifetimeMs });
          }
          inFlight.delete(key);
        }
        return granted.accessToken;
      },
      (err: unknown) => {
        if (inFlight.get(key) === pending) inFlight.delete(key);
        throw err;
      },
    );
    inFlight.set(key, pending);
    return pending;
  }

  /** Expired entries first; if none, the oldest (insertion order). */
  #evictExchanged(): void {
    const now = this.#options.now();
    for (const [key, entry] of this.#exchanged) if (entry.refreshAt <= now) this.#exchanged.delete(key);
    if (this.#exchanged.size < MAX_EXCHANGED) return;
    const oldest = this.#exchanged.keys().next();
    if (!oldest.done) this.#exchanged.delete(oldest.value);
  }

  /** Concurrent 401s on one token must trigger one refresh, not one per response. */
  #invalidateIfCurrent(cache: Map<string, CachedToken>, key: string, token: string): void {
    if (cache.get(key)?.accessToken === token) cache.delete(key);
  }
}

/** The user's token is hashed into the key: the cache holds exchanged tokens, not copies of users' tokens. */
function exchangeKey(subjectToken: string, audience: string, scope: string | undefined): string {
  return `${createHash('sha256').update(subjectToken).digest('base64url')} ${audience} ${scope ?? ''}`;
}

function checkSubjectToken(token: unknown): string {
  if (typeof token !== 'string' || token.length === 0 || token.length > 8192 || /\s/.test(token)) {
    throw new ServiceTokenInvalidArgumentError('subjectToken', 'must be an access token (no whitespace, at most 8192 characters)');
  }
  return token;
}

function cacheKey(audience: string, scope: string | undefined): string {
  return JSON.stringify([audience, scope ?? null]);
}

function withHeaders(init: RequestInit, token: string, requestId: string | undefined): RequestInit {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  if (requestId !== undefined && REQUEST_ID.test(requestId)) headers.set('x-request-id', requestId);
  return { ...init, headers };
}
