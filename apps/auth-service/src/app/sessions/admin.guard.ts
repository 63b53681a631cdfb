import { ForbiddenError, InsufficientUserAuthenticationError, SCOPES, type AccessTokenClaims } from '@gatehouse/contracts';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AUTH_CONFIG } from '../config/config.tokens';
import type { AuthConfig } from '../config/config.schema';
import { isMultiFactor } from '../factors/amr';
import { BearerGuard } from './bearer.guard';

/**
 * Bearer token of a live session whose scope includes `gatehouse:admin` (else 401/403), signed
 * in with a second factor unless ADMIN_SECOND_FACTOR is off (else 401
 * `insufficient_user_authentication`, RFC 9470).
 */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(
    private readonly bearer: BearerGuard,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    await this.bearer.canActivate(context);
    const claims = context.switchToHttp().getRequest<FastifyRequest & { gatehouseClaims?: AccessTokenClaims }>().gatehouseClaims;
    if (!claims?.scope.split(' ').includes(SCOPES.admin)) throw new ForbiddenError('The gatehouse:admin scope is required.');
    if (this.config.ADMIN_SECOND_FACTOR && !isMultiFactor(claims.amr)) throw new InsufficientUserAuthenticationError(['mfa']);
    return true;
  }
}
