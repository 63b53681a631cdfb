import { ForbiddenError, actorChain, type AccessTokenClaims } from '@gatehouse/contracts';

/**
 * What a route says about delegation (RFC 8693 `act`):
 * - `{ forbid: true }`: only tokens nobody is acting with (a user's own token, a service's own token);
 * - `{ require: true, actors? }`: only exchanged tokens, for a user (`sid`); with `actors`, the
 *   current actor (`act.sub`) must be one of them.
 */
export type DelegationRule = { forbid: true } | { require: true; actors?: readonly string[] };

/**
 * The actor chain of verified claims, current actor first; empty unless the token was exchanged.
 *
 * @example actorsOf(principal) // ['orders-service']
 */
export function actorsOf(claims: Pick<AccessTokenClaims, 'act'>): string[] {
  return actorChain(claims.act);
}

/**
 * Checks `claims` against a route's delegation rule.
 *
 * @throws ForbiddenError (`AUTH_FORBIDDEN`, 403) when the rule refuses the token
 * @example assertDelegation(claims, { require: true, actors: ['orders-service'] })
 */
export function assertDelegation(claims: Pick<AccessTokenClaims, 'act' | 'sid'>, rule: DelegationRule | undefined): void {
  if (rule === undefined) return;
  if ('forbid' in rule) {
    if (claims.act !== undefined) throw new ForbiddenError('This route does not accept delegated tokens.');
    return;
  }
  if (claims.act === undefined || claims.sid === undefined) throw new ForbiddenError('This route needs a service acting for a user.');
  if (rule.actors && !rule.actors.includes(claims.act.sub)) throw new ForbiddenError('This service may not act for the user here.');
}
