import type { ResolvedOptions } from './client-options';
import { ServiceTokenRejectedError, ServiceTokenUnavailableError } from './service-token-errors';

/** A token as the endpoint granted it. */
export interface GrantedToken {
  accessToken: string;
  expiresInSeconds: number;
}

/**
 * RFC 6749 §2.3.1: form-urlencode id and secret, join with ':', base64.
 * `encodeURIComponent` leaves `!'()*` alone, which form decoders accept unchanged.
 */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  const pair = `${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`;
  return `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
}

/** RFC 8693 identifiers the exchange request uses. */
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/**
 * One `client_credentials` request to auth-service.
 *
 * @throws ServiceTokenRejectedError `SERVICE_TOKEN_REJECTED` on 4xx
 * @throws ServiceTokenUnavailableError `SERVICE_TOKEN_UNAVAILABLE` on network error, timeout, 3xx/5xx, bad body
 */
export function requestToken(options: ResolvedOptions, authorization: string, audience: string, scope: string | undefined): Promise<GrantedToken> {
  const form = new URLSearchParams({ grant_type: 'client_credentials', audience });
  if (scope !== undefined) form.set('scope', scope);
  return requestGrant(options, authorization, form);
}

/**
 * One token exchange (RFC 8693): the user's access token for one addressed to `audience`.
 *
 * @throws ServiceTokenRejectedError `SERVICE_TOKEN_REJECTED` on 4xx (`invalid_grant`: the user's token is no longer good)
 * @throws ServiceTokenUnavailableError `SERVICE_TOKEN_UNAVAILABLE` on network error, timeout, 3xx/5xx, bad body
 */
export function requestExchange(options: ResolvedOptions, authorization: string, subjectToken: string, audience: string, scope: string | undefined): Promise<GrantedToken> {
  const form = new URLSearchParams({ grant_type: TOKEN_EXCHANGE, subject_token: subjectToken, subject_token_type: ACCESS_TOKEN_TYPE, audience });
  if (scope !== undefined) form.set('scope', scope);
  return requestGrant(options, authorization, form);
}

async function requestGrant(options: ResolvedOptions, authorization: string, form: URLSearchParams): Promise<GrantedToken> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  let status: number | undefined;
  try {
    const res = await fetch(options.tokenUrl, {
      method: 'POST',
      headers: { authorization, accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
      // A redirect could carry the Basic credentials somewhere else; treat it as a failure.
      redirect: 'manual',
      signal,
    });
    status = res.status;
    const text = await res.text();
    if (res.status >= 400 && res.status < 500) throw rejected(res.status, text, options.clientSecret);
    if (res.status < 200 || res.status >= 300) {
      throw new ServiceTokenUnavailableError(`auth-service token endpoint answered HTTP ${res.status}.`, res.status);
    }
    return parseGrant(text, res.status);
  } catch (err) {
    if (err instanceof ServiceTokenRejectedError || err instanceof ServiceTokenUnavailableError) throw err;
    const what = signal.aborted
      ? `timed out after ${options.timeoutMs} ms`
      : 'failed (network error)';
    throw new ServiceTokenUnavailableError(`auth-service token request ${what}.`, status, { cause: err });
  }
}

function parseGrant(text: string, status: number): GrantedToken {
  const body = parseJsonObject(text);
  const accessToken = body?.['access_token'];
  const tokenType = body?.['token_type'];
  const expiresIn = body?.['expires_in'];
  if (
    typeof accessToken !== 'string' ||
    accessToken.length === 0 ||
    typeof tokenType !== 'string' ||
    tokenType.toLowerCase() !== 'bearer' ||
    typeof expiresIn !== 'number' ||
    !Number.isFinite(expiresIn) ||
    expiresIn <= 0
  ) {
    // Never echo the body: it may hold a token.
    throw new ServiceTokenUnavailableError('auth-service token endpoint returned a malformed token response.', status);
  }
  return { accessToken, expiresInSeconds: expiresIn };
}

function rejected(status: number, text: string, secret: string): ServiceTokenRejectedError {
  const body = parseJsonObject(text);
  return new ServiceTokenRejectedError(status, safeText(body?.['error'], secret), safeText(body?.['error_description'], secret));
}

/** Keeps a server-supplied string short and printable, and drops it if it somehow echoes the secret. */
function safeText(value: unknown, secret: string): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return undefined;
  if (value.includes(secret) || value.includes(encodeURIComponent(secret))) return '[redacted]';
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\x00-\x1f\x7f]/g, ' ').slice(0, 200);
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
