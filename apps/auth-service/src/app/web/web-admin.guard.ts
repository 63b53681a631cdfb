import { ForbiddenError, SCOPES } from '@gatehouse/contracts';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { AUTH_CONFIG } from '../config/config.tokens';
import type { AuthConfig } from '../config/config.schema';
import { isMultiFactor } from '../factors/amr';
import { WebSecondFactorRequired } from './web-errors';
import type { WebRequest } from './web-session.guard';

/**
 * Admin pages: the session's user must hold `gatehouse:admin` (checked after {@link WebSessionGuard})
 * and, unless ADMIN_SECOND_FACTOR is off, have signed in with a second factor; an admin without
 * one is sent to /account/security to enrol.
 */
@Injectable()
export class WebAdminGuard implements CanActivate {
  constructor(@Inject(AUTH_CONFIG) private readonly config: AuthConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const session = context.switchToHttp().getRequest<WebRequest>().webSession;
    if (!session?.scopes.includes(SCOPES.admin)) throw new ForbiddenError('This page is for administrators.');
    if (this.config.ADMIN_SECOND_FACTOR && !isMultiFactor(session.amr)) throw new WebSecondFactorRequired();
    return true;
  }
}
