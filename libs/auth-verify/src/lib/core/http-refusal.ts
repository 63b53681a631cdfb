import { GatehouseError, type ErrorCode } from '@gatehouse/contracts';

/** The codes an adapter answers a refused request with. */
export type RefusalCode = Extract<ErrorCode, 'AUTH_TOKEN_INVALID' | 'AUTH_INSUFFICIENT_SCOPE' | 'AUTH_FORBIDDEN' | 'AUTH_INSUFFICIENT_USER_AUTHENTICATION' | 'SERVICE_UNAVAILABLE'>;

/** A refusal as plain HTTP, for adapters that write the response themselves (Express, Fastify). */
export interface HttpRefusal {
  status: 401 | 403 | 503;
  headers: Record<string, string>;
  body: { code: RefusalCode; message: string };
}

function statusOf(code: RefusalCode): HttpRefusal['status'] {
  switch (code) {
    case 'AUTH_TOKEN_INVALID':
    case 'AUTH_INSUFFICIENT_USER_AUTHENTICATION':
      return 401;
    case 'AUTH_INSUFFICIENT_SCOPE':
    case 'AUTH_FORBIDDEN':
      return 403;
    case 'SERVICE_UNAVAILABLE':
      return 503;
    default: {
      const unreachable: never = code;
      return unreachable;
    }
  }
}

function isRefusalCode(code: ErrorCode): code is RefusalCode {
  return code === 'AUTH_TOKEN_INVALID' || code === 'AUTH_INSUFFICIENT_SCOPE' || code === 'AUTH_FORBIDDEN' || code === 'AUTH_INSUFFICIENT_USER_AUTHENTICATION' || code === 'SERVICE_UNAVAILABLE';
}

/**
 * The HTTP answer to an error thrown by `GatehouseVerifier.authenticate`/`authorize`, the same in
 * every framework: status, `WWW-Authenticate` (RFC 6750), `cache-control: no-store`, and
 * `{ code, message }`. Anything else is not a refusal and yields null (the framework's own error
 * handling decides, and a stack never reaches the client from here).
 *
 * @example const r = httpRefusal(err); if (r) res.writeHead(r.status, r.headers).end(JSON.stringify(r.body));
 */
export function httpRefusal(err: unknown): HttpRefusal | null {
  if (!(err instanceof GatehouseError) || !isRefusalCode(err.code)) return null;
  return {
    status: statusOf(err.code),
    headers: { ...err.headers, 'cache-control': 'no-store', 'content-type': 'application/json; charset=utf-8' },
    body: { code: err.code, message: err.message },
  };
}
