import { checkAudience, normaliseScope, resolveOptions } from './client-options';
import type { ResolvedOptions, ServiceTokenClientOptions } from './client-options';
import { basicAuthorization, requestToken } from './token-endpoint';
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
};

interface CachedToken {
  accessToken: string;
  refreshAt: number;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

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
    const { audience, scope, requestId, ...rest } = init;
    const token = await this.getToken(audience, scope);
    const first = await fetch(url, withHeaders(rest, token, requestId));
    if (first.status !== 401) return first;
    this.#invalidateIfCurrent(cacheKey(audience, normaliseScope(scope)), token);
    if (!isReplayableBody(rest.body)) return first;
    // Release the first connection before retrying.
    await first.body?.cancel().catch(() => undefined);
    const fresh = await this.getToken(audience, scope);
    return fetch(url, withHeaders(rest, fresh, requestId));
  }

  #refresh(key: string, audience: string, scope: string | undefined): Promise<string> {
    const startedAt = this.#options.now();
    const pending = requestToken(this.#options, this.#authorization, audience, scope).then(
      (granted) => {
        // Only the request still registered for this key may fill the cache (invalidate detaches it).
        if (this.#inFlight.get(key) === pending) {
          const lifetimeMs = (granted.expiresInSeconds - this.#options.refreshSkewSeconds) * 1000;
          this.#cache.set(key, { accessToken: granted.accessToken, refreshAt: startedAt + lifetimeMs });
          this.#inFlight.delete(key);
        }
        return granted.accessToken;
      },
      (err: unknown) => {
        if (this.#inFlight.get(key) === pending) this.#inFlight.delete(key);
        throw err;
      },
    );
    this.#inFlight.set(key, pending);
    return pending;
  }

  /** Concurrent 401s on one token must trigger one refresh, not one per response. */
  #invalidateIfCurrent(key: string, token: string): void {
    if (this.#cache.get(key)?.accessToken === token) this.#cache.delete(key);
  }
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
