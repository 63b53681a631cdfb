/** Every error code Gatehouse exposes. Stable: clients and other services compare on these strings. */
export const ERROR_CODES = [
  'REQUEST_INVALID',
  'REQUEST_TOO_LARGE',
  'REQUEST_UNSUPPORTED_MEDIA_TYPE',
  'REQUEST_NOT_FOUND',
  'REQUEST_METHOD_NOT_ALLOWED',
  'AUTH_INVALID_CREDENTIALS',
  'AUTH_EMAIL_TAKEN',
  'AUTH_UNAUTHENTICATED',
  'AUTH_FORBIDDEN',
  'AUTH_INSUFFICIENT_SCOPE',
  'AUTH_RATE_LIMITED',
  'AUTH_TOKEN_INVALID',
  'AUTH_SECOND_FACTOR_REQUIRED',
  'AUTH_SECOND_FACTOR_INVALID',
  'AUTH_INSUFFICIENT_USER_AUTHENTICATION',
  'ACCOUNT_LAST_ADMIN',
  'SERVICE_UNAVAILABLE',
  'SERVICE_TOKEN_INVALID_ARGUMENT',
  'SERVICE_TOKEN_REJECTED',
  'SERVICE_TOKEN_UNAVAILABLE',
  'INTERNAL',
] as const;

/** Union of the error codes in {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** RFC 6749 §5.2 / RFC 7009 / RFC 7662 error values used by the OAuth endpoints. */
export const OAUTH_ERROR_CODES = [
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'unsupported_token_type',
  'temporarily_unavailable',
  'server_error',
  // RFC 8707 (resource indicators), RFC 6749 §4.1.2.1 and OpenID Connect Core §3.1.2.6.
  'invalid_target',
  'access_denied',
  'unsupported_response_type',
  'login_required',
  'consent_required',
  'interaction_required',
  'request_not_supported',
  'request_uri_not_supported',
  // RFC 6750 §3.1 (userinfo).
  'invalid_token',
] as const;

/** Union of {@link OAUTH_ERROR_CODES}. */
export type OAuthErrorCode = (typeof OAUTH_ERROR_CODES)[number];
