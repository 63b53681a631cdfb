import { ForbiddenError, SCOPES } from '@gatehouse/contracts';
import { type CanActivate, type ExecutionContext, Injectable, createParamDecorator } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { readCookie, SESSION_COOKIE } from './cookies';
import { assertSameOrigin, CSRF_MESSAGE, tokensEqual } from './csrf';
import { WebLoginRequired } from './web-errors';
import { WebSessionStore, type WebSession } from './web-session.store';

/** A request that passed {@link WebSessionGuard}. */
export type WebRequest = FastifyRequest & { webSession?: WebSession };

const SAFE_METHODS = new Set(['GET', 'HEAD']);

/**
 * Dashboard pages: a live web session is required (else a redirect to /login). A state-changing
 * request must also come from this origin and carry the session's synchronizer token in the
 * `csrf` field; otherwise it is refused with 403 before the handler runs, so nothing changes.
 */
@Injectable()
export class WebSessionGuard implements CanActivate {
  constructor(private readonly store: WebSessionStore) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<WebRequest>();
    const unsafe = !SAFE_METHODS.has(req.method);
    if (unsafe) assertSameOrigin(req);
    const session = await this.store.touch(readCookie(req, SESSION_COOKIE));
    if (!session) throw new WebLoginRequired();
    if (unsafe && !tokensEqual(session.csrfToken, (req.body as Record<string, unknown> | undefined)?.['csrf'])) {
      throw new ForbiddenError(CSRF_MESSAGE);
    }
    req.webSession = session;
    return true;
  }
}

/** The session set by {@link WebSessionGuard}. */
export const CurrentWebSession = createParamDecorator((_: unknown, ctx: ExecutionContext): WebSession => {
  const session = ctx.switchToHttp().getRequest<WebRequest>().webSession;
  if (!session) throw new WebLoginRequired();
  return session;
});

/** The page header's view of a session. */
export function pageUser(session: WebSession): { email: string; isAdmin: boolean; csrfToken: string } {
  return { email: session.email, isAdmin: session.scopes.includes(SCOPES.admin), csrfToken: session.csrfToken };
}
