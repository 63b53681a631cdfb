import { InsufficientScopeError, type AccessTokenClaims } from '@gatehouse/contracts';

/**
 * Checks that `claims` carry every scope in `required` (space-separated `scope` claim).
 *
 * @throws InsufficientScopeError (`AUTH_INSUFFICIENT_SCOPE`, 403) naming the required scopes
 * @example assertScopes(claims, ['orders:read'])
 */
export function assertScopes(claims: Pick<AccessTokenClaims, 'scope'>, required: readonly string[]): void {
  if (required.length === 0) return;
  // A token carries a handful of scopes: an array scan beats building a Set per request.
  const granted = claims.scope.split(' ');
  if (!required.every((s) => granted.includes(s))) throw new InsufficientScopeError(required);
}
