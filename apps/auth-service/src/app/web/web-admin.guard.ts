import { ForbiddenError, SCOPES } from '@gatehouse/contracts';
import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { WebRequest } from './web-session.guard';

/** Admin pages: the session's user must hold `gatehouse:admin` (checked after {@link WebSessionGuard}). */
@Injectable()
export class WebAdminGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const session = context.switchToHttp().getRequest<WebRequest>().webSession;
    if (!session?.scopes.includes(SCOPES.admin)) throw new ForbiddenError('This page is for administrators.');
    return true;
  }
}
