import { type AccessTokenClaims } from '@gatehouse/contracts';
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard, type IAuthGuard } from '@nestjs/passport';
import type { BearerSource } from '../core/bearer';
import { assertDelegation, type DelegationRule } from '../core/delegation';
import { GatehouseVerifier } from '../core/gatehouse-verifier';
import { assertScopes } from '../core/scopes';
import { TokenRejection } from '../core/token-rejection';
import { assertUserAuthentication } from '../core/user-authentication';
import { AUTH_VERIFY_STRATEGY } from './auth-verify.tokens';
import { DELEGATION_KEY, FACTOR_KEY, IS_PUBLIC_KEY, SCOPES_KEY } from './decorators';

type GuardedRequest = BearerSource & { user?: AccessTokenClaims };

/** What a route's decorators ask for, read once per handler and controller. */
interface RoutePolicy {
  public: boolean;
  scopes: readonly string[];
  delegation: DelegationRule | undefined;
  factor: readonly string[] | undefined;
}

/**
 * The global guard: every route needs a valid Gatehouse access token unless marked `@Public()`;
 * then `@Scopes` (403 `insufficient_scope`), `@Delegation` (403 `AUTH_FORBIDDEN`) and
 * `@RequireFactor` (401 `insufficient_user_authentication`), in that order. The claims become
 * `request.user` (see {@link Principal}). The decisions are the core's, as in the Express and
 * Fastify adapters. One guard rather than one per decorator, and each route's decorators read
 * once: every guard Nest runs costs the request an await, on every route.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  private readonly policies = new WeakMap<object, WeakMap<object, RoutePolicy>>();

  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(GatehouseVerifier) private readonly verifier: GatehouseVerifier,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const policy = this.policyOf(context);
    if (policy.public) return true;
    // The request is the first handler argument (what switchToHttp().getRequest() returns, without its three closures per call).
    const req = context.getArgByIndex<GuardedRequest>(0);
    const claims = this.verifier.authenticate(req);
    if (!(claims instanceof Promise)) return admit(req, claims, policy);
    return claims.then((c) => admit(req, c, policy));
  }

  private policyOf(context: ExecutionContext): RoutePolicy {
    const handler = context.getHandler();
    const controller = context.getClass();
    let byController = this.policies.get(handler);
    if (!byController) this.policies.set(handler, (byController = new WeakMap()));
    let policy = byController.get(controller);
    if (!policy) {
      const read = <T>(key: string) => this.reflector.getAllAndOverride<T | undefined>(key, [handler, controller]);
      policy = { public: read<boolean>(IS_PUBLIC_KEY) === true, scopes: read<string[]>(SCOPES_KEY) ?? [], delegation: read<DelegationRule>(DELEGATION_KEY), factor: read<string[]>(FACTOR_KEY) };
      byController.set(controller, policy);
    }
    return policy;
  }
}

/** Applies the route's policy to verified claims. @throws the adapters' refusals (403/401) */
function admit(req: GuardedRequest, claims: AccessTokenClaims, policy: RoutePolicy): true {
  req.user = claims;
  assertScopes(claims, policy.scopes);
  assertDelegation(claims, policy.delegation);
  if (policy.factor) assertUserAuthentication(claims, policy.factor);
  return true;
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
