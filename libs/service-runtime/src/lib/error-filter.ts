import {
  GatehouseError,
  OAuthError,
  RequestInvalidError,
  type ErrorCode,
} from '@gatehouse/contracts';
import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';

/** The one error body of non-OAuth endpoints (DESIGN.md, HTTP API). */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  requestId: string;
  issues?: readonly { path: string; message: string }[];
}

const BY_STATUS: Record<number, { code: ErrorCode; message: string }> = {
  400: { code: 'REQUEST_INVALID', message: 'The request is invalid.' },
  401: { code: 'AUTH_UNAUTHENTICATED', message: 'Authentication is required.' },
  403: { code: 'AUTH_FORBIDDEN', message: 'Not allowed.' },
  404: { code: 'REQUEST_NOT_FOUND', message: 'Not found.' },
  405: { code: 'REQUEST_METHOD_NOT_ALLOWED', message: 'Method not allowed.' },
  413: { code: 'REQUEST_TOO_LARGE', message: 'The request body is too large.' },
  415: { code: 'REQUEST_UNSUPPORTED_MEDIA_TYPE', message: 'Unsupported content type.' },
  429: { code: 'AUTH_RATE_LIMITED', message: 'Too many requests.' },
  431: { code: 'REQUEST_TOO_LARGE', message: 'Request headers are too large.' },
  503: { code: 'SERVICE_UNAVAILABLE', message: 'The service is temporarily unavailable.' },
};

const OAUTH_PATH = /^\/oauth\//;

/**
 * The single place that decides what an error exposes. Domain errors keep their code and
 * message; framework errors (routing, body parsing) map by status to a fixed message;
 * anything else is a 500 `INTERNAL` whose details go only to the log.
 */
@Catch()
export class GatehouseExceptionFilter implements ExceptionFilter {
  constructor(private readonly log: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<FastifyRequest>();
    const reply = ctx.getResponse<FastifyReply>();
    const requestId = String(req.id);

    if (exception instanceof OAuthError) {
      return this.sendOAuth(reply, exception.status, exception.error, exception.description);
    }
    const mapped = this.map(exception);
    if (mapped.status >= 500) {
      this.log.error({ reqId: requestId, err: exception }, 'request failed');
    }
    if (OAUTH_PATH.test(req.url) && mapped.status === 503) {
      return this.sendOAuth(reply, 503, 'temporarily_unavailable', mapped.message);
    }
    if (OAUTH_PATH.test(req.url) && mapped.status < 500 && mapped.status !== 429) {
      const error = mapped.status === 401 ? 'invalid_client' : 'invalid_request';
      return this.sendOAuth(reply, mapped.status === 401 ? 401 : mapped.status, error, mapped.message);
    }
    if (exception instanceof GatehouseError) {
      for (const [name, value] of Object.entries(exception.headers)) void reply.header(name, value);
    }
    const body: ErrorBody = { code: mapped.code, message: mapped.message, requestId };
    if (exception instanceof RequestInvalidError && exception.issues.length > 0) body.issues = exception.issues;
    void reply.status(mapped.status).header('cache-control', 'no-store').send(body);
  }

  private map(exception: unknown): { status: number; code: ErrorCode; message: string } {
    if (exception instanceof GatehouseError) {
      return { status: exception.status, code: exception.code, message: exception.message };
    }
    const status = statusOf(exception);
    const known = status !== undefined ? BY_STATUS[status] : undefined;
    if (status !== undefined && known) return { status, ...known };
    if (status !== undefined && status >= 400 && status < 500) {
      return { status, code: 'REQUEST_INVALID', message: 'The request is invalid.' };
    }
    if (isDependencyUnavailable(exception)) {
      return { status: 503, code: 'SERVICE_UNAVAILABLE', message: 'The service is temporarily unavailable.' };
    }
    return { status: 500, code: 'INTERNAL', message: 'Internal error.' };
  }

  private sendOAuth(reply: FastifyReply, status: number, error: string, description: string): void {
    // A bearer endpoint (userinfo) sets its own RFC 6750 challenge; client authentication gets Basic.
    if (status === 401 && !reply.hasHeader('www-authenticate')) void reply.header('www-authenticate', 'Basic realm="gatehouse", charset="UTF-8"');
    void reply
      .status(status)
      .header('cache-control', 'no-store')
      .header('pragma', 'no-cache')
      .send({ error, error_description: description });
  }
}

/** Network errors and Postgres SQLSTATEs that mean "a dependency is down", not "this request is bad". */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', '57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08004', '08006']);
const UNAVAILABLE_MESSAGE = /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED|Client has encountered a connection error|Connection is not established/i;

/** Whether an unknown error is a lost database or broker connection (→ 503, not 500). */
export function isDependencyUnavailable(exception: unknown): boolean {
  for (let e: unknown = exception, depth = 0; e && depth < 4; depth++) {
    const err = e as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown };
    if (typeof err.code === 'string' && UNAVAILABLE_CODES.has(err.code)) return true;
    if (typeof err.message === 'string' && UNAVAILABLE_MESSAGE.test(err.message)) return true;
    e = err.driverError ?? err.cause;
  }
  return false;
}

/** Status of a Nest HttpException or a Fastify error (`statusCode`), if it carries one. */
function statusOf(exception: unknown): number | undefined {
  if (exception instanceof HttpException) return exception.getStatus();
  if (typeof exception === 'object' && exception !== null && 'statusCode' in exception) {
    const code = (exception as { statusCode: unknown }).statusCode;
    if (typeof code === 'number' && code >= 400 && code < 600) return code;
  }
  return undefined;
}
