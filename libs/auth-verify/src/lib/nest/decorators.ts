import { InvalidTokenError, type AccessTokenClaims } from '@gatehouse/contracts';
import type { DelegationRule } from '../core/delegation';
import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';

/** Metadata key of {@link Scopes}. */
export const SCOPES_KEY = 'gatehouse:scopes';

/** Metadata key of {@link Delegation}. */
export const DELEGATION_KEY = 'gatehouse:delegation';

/** Metadata key of {@link RequireFactor}. */
export const FACTOR_KEY = 'gatehouse:factor';

/** Metadata key of {@link Public}; the same string as service-runtime's `Public`, so either marks a route. */
export const IS_PUBLIC_KEY = 'gatehouse:isPublic';

/**
 * Marks a route or controller as reachable without a bearer token; everything else is
 * protected by the global guard.
 *
 * @example \@Public() \@Get('ping') ping() { return 'pong'; }
 */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC_KEY, true);

/**
 * Requires every listed scope on the caller's token; otherwise 403 `insufficient_scope`.
 *
 * @example \@Scopes('orders:read') \@Get() list() {}
 */
export const Scopes = (...scopes: string[]): MethodDecorator & ClassDecorator => SetMetadata(SCOPES_KEY, scopes);

/**
 * A route's rule on delegated (RFC 8693, `act`) tokens: `{ forbid: true }`, or
 * `{ require: true, actors: [...] }` for a service acting for a user; otherwise 403 `AUTH_FORBIDDEN`.
 *
 * @example \@Delegation({ require: true, actors: ['orders-service'] }) \@Post() reserve() {}
 */
export const Delegation = (rule: DelegationRule): MethodDecorator & ClassDecorator => SetMetadata(DELEGATION_KEY, rule);

/**
 * Requires a sign-in with every listed authentication method (`amr`, RFC 8176; none listed: a
 * second factor, `mfa`); otherwise 401 `insufficient_user_authentication` (RFC 9470).
 *
 * @example \@RequireFactor() \@Post('payouts') pay() {}
 */
export const RequireFactor = (...amr: string[]): MethodDecorator & ClassDecorator => SetMetadata(FACTOR_KEY, amr);

/**
 * The verified claims of the caller.
 *
 * @throws InvalidTokenError (`AUTH_TOKEN_INVALID`) if used on a `@Public()` route without a token
 * @example list(\@Principal() who: AccessTokenClaims) { return this.orders.of(who.sub); }
 */
export const Principal = createParamDecorator((_: unknown, ctx: ExecutionContext): AccessTokenClaims => {
  const user = ctx.switchToHttp().getRequest<{ user?: AccessTokenClaims }>().user;
  if (!user) throw new InvalidTokenError();
  return user;
});
