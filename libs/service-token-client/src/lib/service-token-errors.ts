/** Stable codes of every error this library throws. Compare on `code`, not `instanceof`. */
export type ServiceTokenErrorCode =
  | 'SERVICE_TOKEN_INVALID_ARGUMENT'
  | 'SERVICE_TOKEN_REJECTED'
  | 'SERVICE_TOKEN_UNAVAILABLE';

/**
 * Base of the errors thrown by `@gatehouse/service-token-client`.
 * Messages never contain the client secret or a token; `cause` is for logs only.
 *
 * @param message - safe text
 */
export abstract class ServiceTokenError extends Error {
  abstract readonly code: ServiceTokenErrorCode;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * `SERVICE_TOKEN_INVALID_ARGUMENT`: a constructor option or method argument is invalid.
 * The message names the option, never its value.
 *
 * @param name - the offending option or argument
 * @param rule - what it must satisfy
 */
export class ServiceTokenInvalidArgumentError extends ServiceTokenError {
  readonly code = 'SERVICE_TOKEN_INVALID_ARGUMENT' as const;

  constructor(
    readonly argument: string,
    rule: string,
  ) {
    super(`Invalid service-token-client argument "${argument}": ${rule}.`);
  }
}

/**
 * `SERVICE_TOKEN_REJECTED`: auth-service answered the token request with a 4xx.
 * Retrying with the same credentials, audience and scope will not help.
 *
 * @param status - HTTP status from auth-service
 * @param error - RFC 6749 §5.2 `error` value, if the body carried one
 * @param description - RFC 6749 `error_description`, if any
 */
export class ServiceTokenRejectedError extends ServiceTokenError {
  readonly code = 'SERVICE_TOKEN_REJECTED' as const;

  constructor(
    readonly status: number,
    readonly error: string | undefined,
    readonly description: string | undefined,
  ) {
    const detail = [error, description].filter((s) => s !== undefined).join(': ');
    super(`auth-service rejected the token request (HTTP ${status}${detail ? `, ${detail}` : ''}).`);
  }
}

/**
 * `SERVICE_TOKEN_UNAVAILABLE`: no usable answer from auth-service (network error, timeout,
 * 5xx, redirect, malformed body). Transient: the next call tries again.
 *
 * @param message - safe text describing the failure
 * @param status - HTTP status, when a response arrived
 */
export class ServiceTokenUnavailableError extends ServiceTokenError {
  readonly code = 'SERVICE_TOKEN_UNAVAILABLE' as const;

  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
