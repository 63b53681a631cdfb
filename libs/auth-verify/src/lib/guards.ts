import { GatehouseError, InsufficientScopeError, InvalidTokenError, type AccessTokenClaims } from '@gatehouse/contracts';
import { IS_PUBLIC_KEY, Metrics } from '@gatehouse/service-runtime';
import { Inject, Injectable, Optional, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard, type IAuthGuard } from '@nestjs/passport';
import type { Counter } from 'prom-client';
import { SCOPES_KEY } from './decorators';
import { bearerFromSingleHeader } from './gatehouse-jwt.strategy';
import { AUTH_VERIFY_STRATEGY } from './auth-verify.options';
import { rejectionReason, TokenRejection } from './token-rejection';
import { TokenVerifier } from './token-verifier';

type GuardedRequest = Parameters<typeof bearerFromSingleHeader>[0] & { user?: AccessTokenClaims };

/**
 * The global guard: every route needs a valid Gatehouse access token unless marked `@Public()`;
 * the claims become `request.user` (see {@link Principal}). Verification is {@link TokenVerifier}.
 * Any refusal is a 401 with `WWW-Authenticate: Bearer error="invalid_token"`; the reason goes
 * only to the `auth_verify_rejections_total` metric.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  private readonly rejections: Counter<'reason'> | null;

  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
    @Optional() @Inject(Metrics) metrics?: Metrics,
  ) {
    this.rejections = metrics ? metrics.counter('auth_verify_rejections_total', 'Bearer tokens refused, by reason', ['reason']) : null;
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [context.getHandler(), context.getClass()])) return true;
    const req = context.switchToHttp().getRequest<GuardedRequest>();
    const raw = bearerFromSingleHeader(req);
    if (!raw) return this.refuse(new TokenRejection('missing'));
    const admit = (claims: AccessTokenClaims) => {
      req.user = claims;
      return true;
    };
    try {
      const claims = this.verifier.verify(raw);
      return claims instanceof Promise ? claims.then(admit, (err: unknown) => this.refuse(err)) : admit(claims);
    } catch (err) {
      return this.refuse(err);
    }
  }

  private refuse(err: unknown): never {
    return refuse(this.rejections, err, undefined);
  }
}

/** 503 for stale revocation state, otherwise 401 `invalid_token`; counts the reason. */
function refuse(rejections: Counter<'reason'> | null, err: unknown, info: unknown): never {
  if (err instanceof GatehouseError && err.status === 503) {
    rejections?.inc({ reason: 'stale' });
    throw err;
  }
  rejections?.inc({ reason: rejectionReason(err, info) });
  throw new InvalidTokenError();
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

  constructor(@Inject(AUTH_VERIFY_STRATEGY) strategy: string, @Optional() @Inject(Metrics) metrics?: Metrics) {
    const rejections = metrics ? metrics.counter('auth_verify_rejections_total', 'Bearer tokens refused, by reason', ['reason']) : null;
    class StrategyGuard extends AuthGuard(strategy) {
      override handleRequest<T>(err: unknown, user: T, info: unknown): T {
        if (err || !user) refuse(rejections, err, info ?? new TokenRejection('missing'));
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
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const required = this.reflector.getAllAndOverride<string[] | undefined>(SCOPES_KEY, [context.getHandler(), context.getClass()]);
    if (!required || required.length === 0) return true;
    const user = context.switchToHttp().getRequest<{ user?: AccessTokenClaims }>().user;
    const granted = new Set(user?.scope.split(' ') ?? []);
    if (!required.every((s) => granted.has(s))) throw new InsufficientScopeError(required);
    return true;
  }
}
