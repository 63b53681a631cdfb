import { InsufficientScopeError, InsufficientUserAuthenticationError, InvalidTokenError } from '@gatehouse/contracts';
import { Catch, Inject, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { httpRefusal } from '../core/http-refusal';
import { RevocationStaleError } from '../core/revocation-stale-error';

/**
 * Renders the verifier's refusals (401 `invalid_token`, 403 `insufficient_scope`, 401
 * `insufficient_user_authentication`, 503 stale) the
 * same way the Express and Fastify adapters do — status, `WWW-Authenticate`, `{ code, message }`
 * (+ `requestId` when the platform assigns one) — on either Nest platform. Without it Nest's
 * default filter would answer these with a 500. Catches only these classes: every other error
 * stays with the application's own filters.
 */
@Catch(InvalidTokenError, InsufficientScopeError, InsufficientUserAuthenticationError, RevocationStaleError)
export class RefusalFilter implements ExceptionFilter {
  constructor(@Inject(HttpAdapterHost) private readonly host: HttpAdapterHost) {}

  catch(exception: InvalidTokenError | InsufficientScopeError | InsufficientUserAuthenticationError | RevocationStaleError, context: ArgumentsHost): void {
    const refusal = httpRefusal(exception);
    if (!refusal) throw exception;
    const http = context.switchToHttp();
    const req = http.getRequest<{ id?: unknown }>();
    const res: unknown = http.getResponse();
    const adapter = this.host.httpAdapter;
    for (const [name, value] of Object.entries(refusal.headers)) adapter.setHeader(res, name, value);
    const requestId = typeof req.id === 'string' || typeof req.id === 'number' ? { requestId: String(req.id) } : {};
    adapter.reply(res, { ...refusal.body, ...requestId }, refusal.status);
  }
}
