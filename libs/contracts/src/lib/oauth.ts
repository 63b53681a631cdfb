/** Successful RFC 6749 §5.1 token response. `refresh_token` only for user grants. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  refresh_token?: string;
}

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
