/** Successful RFC 6749 §5.1 token response. `refresh_token` only for user grants. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  refresh_token?: string;
  /** OpenID Connect: an authorization_code grant with the `openid` scope. */
  id_token?: string;
  /** RFC 8693 §2.2.1: the type of the token issued by a token exchange. */
  issued_token_type?: string;
}

/** RFC 8693 §2.1: `grant_type` of a token exchange. */
export const TOKEN_EXCHANGE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:token-exchange';

/** RFC 8693 §3 token type identifier of an access token (the only one Gatehouse exchanges or issues). */
export const ACCESS_TOKEN_TYPE_URN = 'urn:ietf:params:oauth:token-type:access_token';

/** RFC 8693 §3 token type identifier of a refresh token (refused as a subject token). */
export const REFRESH_TOKEN_TYPE_URN = 'urn:ietf:params:oauth:token-type:refresh_token';

/** OpenID Connect scopes (Core §5.4) and `offline_access` (§11); every other scope is a resource scope. */
export const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;

/** RFC 7591 `token_endpoint_auth_method` values Gatehouse supports. */
export const TOKEN_ENDPOINT_AUTH_METHODS = ['none', 'client_secret_basic', 'client_secret_post'] as const;

/** One of {@link TOKEN_ENDPOINT_AUTH_METHODS}. */
export type TokenEndpointAuthMethod = (typeof TOKEN_ENDPOINT_AUTH_METHODS)[number];

/** Grant types a client may be registered for. */
export const CLIENT_GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;

/** One of {@link CLIENT_GRANT_TYPES}. */
export type ClientGrantType = (typeof CLIENT_GRANT_TYPES)[number];

/** The built-in first-party client used by a login that names no `client_id`. */
export const FIRST_PARTY_CLIENT_ID = 'gatehouse';

/**
 * Client ids: lowercase, start with a letter, 3–64 of `[a-z0-9._-]`, and never UUID-shaped,
 * so a service token's `sub` (its client id) can never equal a user's `sub` (a UUID).
 */
export const CLIENT_ID_PATTERN = /^[a-z][a-z0-9._-]{2,63}$/;

const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether `id` is acceptable as a client id.
 *
 * @param id - the proposed client id
 * @example isValidClientId('orders-service') // true
 */
export function isValidClientId(id: string): boolean {
  return CLIENT_ID_PATTERN.test(id) && !UUID_SHAPE.test(id);
}
