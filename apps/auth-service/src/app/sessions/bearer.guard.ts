import { UnauthenticatedError, type AccessTokenClaims } from '@gatehouse/contracts';
import { type CanActivate, type ExecutionContext, Injectable, createParamDecorator } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AccessTokenVerifier } from '../tokens/access-token-verifier.service';

type WithClaims = FastifyRequest & { gatehouseClaims?: AccessTokenClaims };

/**
 * Protects auth-service's own bearer endpoints (logout, sessions, admin). As the issuer it asks
 * the database, not events: a user token is accepted only while its session is live.
 */
@Injectable()
export class BearerGuard implements CanActivate {
  constructor(private readonly verifier: AccessTokenVerifier) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<WithClaims>();
    const header = req.headers.authorization;
    const token = header && /^Bearer \S{1,8192}$/.test(header) ? header.slice(7) : undefined;
    const claims = token ? this.verifier.verifySignature(token) : null;
    if (!claims) throw new UnauthenticatedError(token ? 'The access token is invalid.' : undefined);
    if (!claims.sid) throw new UnauthenticatedError('A user token is required.');
    if (!(await this.verifier.isLive(claims))) throw new UnauthenticatedError('The session has ended.');
    req.gatehouseClaims = claims;
    return true;
  }
}

/** The verified claims of the caller, set by {@link BearerGuard}. */
export const Claims = createParamDecorator((_: unknown, ctx: ExecutionContext): AccessTokenClaims => {
  const claims = ctx.switchToHttp().getRequest<WithClaims>().gatehouseClaims;
  if (!claims) throw new UnauthenticatedError();
  return claims;
});
