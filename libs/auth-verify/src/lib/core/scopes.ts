import { InsufficientScopeError, type AccessTokenClaims } from '@gatehouse/contracts';

/**
 * Checks that `claims` carry every scope in `required` (space-separated `scope` claim).
 *
 * @throws InsufficientScopeError (`AUTH_INSUFFICIENT_SCOPE`, 403) naming the required scopes
 * @example assertScopes(claims, ['orders:read'])
 */
export function assertScopes(claims: Pick<AccessTokenClaims, 'scope'>, required: readonly string[]): void {
  for (const scope of required) if (!hasScope(claims.scope, scope)) throw new InsufficientScopeError(required);
}

/** Whether the space-separated list `granted` contains `scope` as a whole item (no array built per request). */
function hasScope(granted: string, scope: string): boolean {
  if (scope.length === 0) return false;
  for (let at = granted.indexOf(scope); at !== -1; at = granted.indexOf(scope, at + 1)) {
    const end = at + scope.length;
    if ((at === 0 || granted.charCodeAt(at - 1) === SPACE) && (end === granted.length || granted.charCodeAt(end) === SPACE)) return true;
  }
  return false;
}

const SPACE = 0x20;
