import type { AccessTokenClaims } from '@gatehouse/contracts';
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard, type IAuthGuard } from '@nestjs/passport';
import type { BearerSource } from '../core/bearer';
import { GatehouseVerifier } from '../core/gatehouse-verifier';
import { TokenRejection } from '../core/token-rejection';
import { AUTH_VERIFY_STRATEGY } from './auth-verify.tokens';
import { FACTOR_KEY, IS_PUBLIC_KEY, SCOPES_KEY } from './decorators';

type GuardedRequest = BearerSource & { user?: AccessTokenClaims };

/**
 * The global guard: every route needs a valid Gatehouse access token unless marked `@Public()`;
 * the claims become `request.user` (see {@link Principal}). The decision is the core's
 * `GatehouseVerifier.authenticate`, as in the Express and Fastify adapters.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(GatehouseVerifier) private readonly verifier: GatehouseVerifier,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [context.getHandler(), context.getClass()])) return true;
    const req = context.switchToHttp().getRequest<GuardedRequest>();
    const claims = this.verifier.authenticate(req);
    if (!(claims instanceof Promise)) {
      req.user = claims;
      return true;
    }
    return claims.then((c) => {
      req.user = c;
      return true;
    });
  }
}

/**
 * The same protection through passport: `@nestjs/passport`'s AuthGuard on this module's
 * passport-jwt strategy (RS256 pinned, key from the JWKS cache, the same header, claim and
 * revocation checks, no verified-token cache). For routes that compose passport strategies; the
 * global guard already covers every route that is not `@Public()`, so use it on a `@Public()` one.
 *
 * @example \@Public() \@UseGuards(PassportJwtGuard) \@Get('x') x(\@Principal() who: AccessTokenClaims) {}
 */
@Injectable()
export class PassportJwtGuard implements CanActivate {
  private readonly inner: IAuthGuard;

  constructor(@Inject(AUTH_VERIFY_STRATEGY) strategy: string, @Inject(GatehouseVerifier) verifier: GatehouseVerifier) {
    class StrategyGuard extends AuthGuard(strategy) {
      override handleRequest<T>(err: unknown, user: T, info: unknown): T {
        if (err || !user) verifier.refuse(err, info ?? new TokenRejection('missing'));
        return user;
      }
    }
    this.inner = new StrategyGuard();
  }

  canActivate(context: ExecutionContext): Promise<boolean> {
    return Promise.resolve(this.inner.canActivate(context) as boolean | Promise<boolean>);
  }
}

/** Enforces {@link Scopes}: 403 `insufficient_scope` when a required scope is missing. */
@Injectable()
export class ScopesGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(GatehouseVerifier) private readonly verifier: GatehouseVerifier,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const required = this.reflector.getAllAndOverride<string[] | undefined>(SCOPES_KEY, [context.getHandler(), context.getClass()]);
    if (!required || required.length === 0) return true;
    const user = context.switchToHttp().getRequest<{ user?: AccessTokenClaims }>().user;
    this.verifier.authorize(user ?? { scope: '' }, required);
    return true;
  }
}

/** Enforces {@link RequireFactor}: 401 `insufficient_user_authentication` when the sign-in lacks the factor. */
@Injectable()
export class FactorGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(GatehouseVerifier) private readonly verifier: GatehouseVerifier,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const required = this.reflector.getAllAndOverride<string[] | undefined>(FACTOR_KEY, [context.getHandler(), context.getClass()]);
    if (!required) return true;
    const user = context.switchToHttp().getRequest<{ user?: AccessTokenClaims }>().user;
    this.verifier.requireFactor(user ?? {}, required);
    return true;
  }
}
