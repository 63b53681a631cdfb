import { GatehouseError, type ErrorCode } from '@gatehouse/contracts';

/** Stable codes of every error this library throws. Compare on `code`, not `instanceof`. */
export type ServiceTokenErrorCode = Extract<ErrorCode, 'SERVICE_TOKEN_INVALID_ARGUMENT' | 'SERVICE_TOKEN_REJECTED' | 'SERVICE_TOKEN_UNAVAILABLE'>;

/**
 * Base of the errors thrown by `@gatehouse/service-token-client`: a `GatehouseError` like the
 * rest, so a service's one error filter maps it (`status` is what the calling service answers
 * with, not auth-service's status — that is `upstreamStatus`). Messages never contain the client
 * secret or a token; `cause` is for logs only.
 *
 * @param code - one of {@link ServiceTokenErrorCode}
 * @param status - the HTTP status the calling service answers with
 * @param message - safe text
 */
export abstract class ServiceTokenError extends GatehouseError {
  declare readonly code: ServiceTokenErrorCode;

  constructor(code: ServiceTokenErrorCode, status: number, message: string, options?: { cause?: unknown }) {
    super(code, status, message, options);
  }
}

/**
 * `SERVICE_TOKEN_INVALID_ARGUMENT` (500: the calling service is misconfigured): a constructor
 * option or method argument is invalid. The message names the option, never its value.
 *
 * @param argument - the offending option or argument
 * @param rule - what it must satisfy
 */
export class ServiceTokenInvalidArgumentError extends ServiceTokenError {
  constructor(
    readonly argument: string,
    rule: string,
  ) {
    super('SERVICE_TOKEN_INVALID_ARGUMENT', 500, `Invalid service-token-client argument "${argument}": ${rule}.`);
  }
}

/**
 * `SERVICE_TOKEN_REJECTED` (502 for the caller: the upstream refused us): auth-service answered
 * the token request with a 4xx. Retrying with the same credentials, audience and scope will not help.
 *
 * @param upstreamStatus - HTTP status from auth-service
 * @param error - RFC 6749 §5.2 `error` value, if the body carried one
 * @param description - RFC 6749 `error_description`, if any
 */
export class ServiceTokenRejectedError extends ServiceTokenError {
  constructor(
    readonly upstreamStatus: number,
    readonly error: string | undefined,
    readonly description: string | undefined,
  ) {
    const detail = [error, description].filter((s) => s !== undefined).join(': ');
    super('SERVICE_TOKEN_REJECTED', 502, `auth-service rejected the token request (HTTP ${upstreamStatus}${detail ? `, ${detail}` : ''}).`);
  }
}

/**
 * `SERVICE_TOKEN_UNAVAILABLE` (503): no usable answer from auth-service (network error, timeout,
 * 5xx, redirect, malformed body). Transient: the next call tries again.
 *
 * @param message - safe text describing the failure
 * @param upstreamStatus - HTTP status, when a response arrived
 */
export class ServiceTokenUnavailableError extends ServiceTokenError {
  constructor(
    message: string,
    readonly upstreamStatus?: number,
    options?: { cause?: unknown },
  ) {
    super('SERVICE_TOKEN_UNAVAILABLE', 503, message, options);
  }
}
