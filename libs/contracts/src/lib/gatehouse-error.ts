import type { ErrorCode, OAuthErrorCode } from './error-codes';

/**
 * Base of every error that domain code throws. The HTTP layer maps it to
 * `{ code, message, requestId }` with `status`; `cause` goes to logs only.
 *
 * @param code - stable error code
 * @param status - HTTP status the error maps to
 * @param message - safe, user-facing text (never a secret, token or stack)
 */
export class GatehouseError extends Error {
  /** Response headers the error requires (e.g. `WWW-Authenticate`, `Retry-After`). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly code: ErrorCode,
    readonly status: number,
    message: string,
    options?: { cause?: unknown; headers?: Record<string, string> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.headers = options?.headers ?? {};
  }
}

/** 400 `REQUEST_INVALID`: the request failed validation. `issues` lists field paths and reasons. */
export class RequestInvalidError extends GatehouseError {
  constructor(
    message = 'The request is invalid.',
    readonly issues: readonly { path: string; message: string }[] = [],
  ) {
    super('REQUEST_INVALID', 400, message);
  }
}

/** 401 `AUTH_INVALID_CREDENTIALS`: one message for unknown account and wrong password alike. */
export class InvalidCredentialsError extends GatehouseError {
  constructor() {
    super('AUTH_INVALID_CREDENTIALS', 401, 'Invalid email or password.');
  }
}

/** 409 `AUTH_EMAIL_TAKEN`: registration with an email that already has an account. */
export class EmailTakenError extends GatehouseError {
  constructor() {
    super('AUTH_EMAIL_TAKEN', 409, 'An account with this email already exists.');
  }
}

/** 401 `AUTH_UNAUTHENTICATED`: no valid bearer credentials. */
export class UnauthenticatedError extends GatehouseError {
  constructor(message = 'Authentication is required.') {
    super('AUTH_UNAUTHENTICATED', 401, message);
  }
}

/** 403 `AUTH_FORBIDDEN`: authenticated but lacking the scope or role. */
export class ForbiddenError extends GatehouseError {
  constructor(message = 'Not allowed.') {
    super('AUTH_FORBIDDEN', 403, message);
  }
}

/** 429 `AUTH_RATE_LIMITED`: too many attempts; `retryAfterSeconds` becomes `Retry-After`. */
export class RateLimitedError extends GatehouseError {
  constructor(readonly retryAfterSeconds: number) {
    super('AUTH_RATE_LIMITED', 429, 'Too many attempts. Try again later.', { headers: { 'retry-after': String(retryAfterSeconds) } });
  }
}

/**
 * 401 `AUTH_TOKEN_INVALID` for a bearer token a resource server refuses. The challenge says
 * only `invalid_token`: no detail that would help an attacker tune a forgery.
 */
export class InvalidTokenError extends GatehouseError {
  constructor() {
    super('AUTH_TOKEN_INVALID', 401, 'The access token is missing, invalid, expired or revoked.', {
      headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
    });
  }
}

/** 403 `AUTH_INSUFFICIENT_SCOPE`: a valid token without the scopes the route needs (RFC 6750 §3.1). */
export class InsufficientScopeError extends GatehouseError {
  constructor(readonly required: readonly string[]) {
    super('AUTH_INSUFFICIENT_SCOPE', 403, `insufficient_scope: requires ${required.join(' ')}`, {
      headers: { 'www-authenticate': `Bearer error="insufficient_scope", scope="${required.join(' ')}"` },
    });
  }
}

/** 401 `AUTH_SECOND_FACTOR_INVALID`: a wrong, replayed or used-up code, or a second-step challenge that is no longer live. */
export class SecondFactorInvalidError extends GatehouseError {
  constructor(message = 'The code is not valid.') {
    super('AUTH_SECOND_FACTOR_INVALID', 401, message);
  }
}

/**
 * 401 `AUTH_INSUFFICIENT_USER_AUTHENTICATION` (RFC 9470): a valid token whose sign-in lacks the
 * authentication methods the route needs (a second factor); the client should step up.
 */
export class InsufficientUserAuthenticationError extends GatehouseError {
  constructor(readonly required: readonly string[]) {
    super('AUTH_INSUFFICIENT_USER_AUTHENTICATION', 401, `insufficient_user_authentication: requires ${required.join(' ')}`, {
      headers: {
        'www-authenticate': `Bearer error="insufficient_user_authentication", error_description="A stronger sign-in (${required.join(' ')}) is required"`,
      },
    });
  }
}

/** 409 `ACCOUNT_LAST_ADMIN`: deleting this account would leave no enabled administrator. */
export class LastAdminError extends GatehouseError {
  constructor() {
    super('ACCOUNT_LAST_ADMIN', 409, 'Deleting this account would leave no enabled administrator.');
  }
}

/** 503 `SERVICE_UNAVAILABLE`: a dependency (database, NATS) is down. */
export class ServiceUnavailableError extends GatehouseError {
  constructor(message = 'The service is temporarily unavailable.', options?: { cause?: unknown }) {
    super('SERVICE_UNAVAILABLE', 503, message, options);
  }
}

/**
 * An RFC 6749 error from an OAuth endpoint, rendered as `{ error, error_description }`.
 *
 * @param error - the RFC error value
 * @param description - safe, human-readable detail
 * @param status - 400 unless the RFC says otherwise (401 for invalid_client)
 */
export class OAuthError extends Error {
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    readonly status = error === 'invalid_client' ? 401 : 400,
  ) {
    super(description);
    this.name = 'OAuthError';
  }
}
