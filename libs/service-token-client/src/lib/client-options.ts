import { ServiceTokenInvalidArgumentError } from './service-token-errors';

/** Options of {@link ServiceTokenClient}. */
export interface ServiceTokenClientOptions {
  /** auth-service token endpoint, e.g. `http://auth-service:3000/oauth/token`. */
  tokenUrl: string;
  /** Registered service client id. */
  clientId: string;
  /** Client secret. Kept in a private field; never logged or put in an error. */
  clientSecret: string;
  /** Refresh this many seconds before `expires_in` runs out. Default 30. */
  refreshSkewSeconds?: number;
  /** Timeout of one token request (connect, headers and body). Default 5000. */
  timeoutMs?: number;
  /** Clock in epoch milliseconds, for tests. Default `Date.now`. */
  now?: () => number;
}

/** Options after validation and defaults. */
export interface ResolvedOptions {
  tokenUrl: URL;
  clientId: string;
  clientSecret: string;
  refreshSkewSeconds: number;
  timeoutMs: number;
  now: () => number;
}

const MAX_TIMEOUT_MS = 2_147_483_647;

/**
 * Checks options and applies defaults. Errors name the option, never its value.
 *
 * @throws ServiceTokenInvalidArgumentError `SERVICE_TOKEN_INVALID_ARGUMENT`
 */
export function resolveOptions(options: ServiceTokenClientOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ServiceTokenInvalidArgumentError('options', 'must be an object');
  }
  const { clientId, clientSecret, refreshSkewSeconds = 30, timeoutMs = 5000, now = Date.now } = options;
  const tokenUrl = parseTokenUrl(options.tokenUrl);
  if (typeof clientId !== 'string' || clientId.length === 0) {
    throw new ServiceTokenInvalidArgumentError('clientId', 'must be a non-empty string');
  }
  if (typeof clientSecret !== 'string' || clientSecret.length === 0) {
    throw new ServiceTokenInvalidArgumentError('clientSecret', 'must be a non-empty string');
  }
  if (typeof refreshSkewSeconds !== 'number' || !Number.isFinite(refreshSkewSeconds) || refreshSkewSeconds < 0) {
    throw new ServiceTokenInvalidArgumentError('refreshSkewSeconds', 'must be a finite number >= 0');
  }
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0 || timeoutMs > MAX_TIMEOUT_MS) {
    throw new ServiceTokenInvalidArgumentError('timeoutMs', 'must be a positive integer');
  }
  if (typeof now !== 'function') {
    throw new ServiceTokenInvalidArgumentError('now', 'must be a function');
  }
  return { tokenUrl, clientId, clientSecret, refreshSkewSeconds, timeoutMs, now };
}

function parseTokenUrl(value: unknown): URL {
  const url = typeof value === 'string' && URL.canParse(value) ? new URL(value) : undefined;
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new ServiceTokenInvalidArgumentError('tokenUrl', 'must be an absolute http(s) URL');
  }
  // Credentials belong in clientId/clientSecret; a URL with userinfo would leak them into logs.
  if (url.username !== '' || url.password !== '') {
    throw new ServiceTokenInvalidArgumentError('tokenUrl', 'must not contain credentials');
  }
  return url;
}

// RFC 6749 §3.3 scope-token characters; audiences use the same plain set.
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * Checks an audience argument.
 *
 * @throws ServiceTokenInvalidArgumentError `SERVICE_TOKEN_INVALID_ARGUMENT`
 */
export function checkAudience(audience: unknown): string {
  if (typeof audience !== 'string' || !SCOPE_TOKEN.test(audience)) {
    throw new ServiceTokenInvalidArgumentError('audience', 'must be a non-empty string without spaces');
  }
  return audience;
}

/**
 * Normalises a scope argument (deduplicated, sorted) so equal scope sets share one cache entry.
 *
 * @throws ServiceTokenInvalidArgumentError `SERVICE_TOKEN_INVALID_ARGUMENT`
 */
export function normaliseScope(scope: unknown): string | undefined {
  if (scope === undefined) return undefined;
  const tokens = typeof scope === 'string' ? scope.split(' ').filter((s) => s !== '') : [];
  if (tokens.length === 0 || !tokens.every((t) => SCOPE_TOKEN.test(t))) {
    throw new ServiceTokenInvalidArgumentError('scope', 'must be space-separated RFC 6749 scope tokens');
  }
  return [...new Set(tokens)].sort().join(' ');
}
