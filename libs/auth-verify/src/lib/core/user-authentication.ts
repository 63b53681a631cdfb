import { InsufficientUserAuthenticationError, type AccessTokenClaims } from '@gatehouse/contracts';

/** The `amr` value (RFC 8176 §2) of a sign-in that used more than one factor. */
export const SECOND_FACTOR_AMR = 'mfa';

/**
 * Checks that the sign-in behind `claims` used every authentication method in `required`
 * (`amr`, RFC 8176); with none listed, a second factor (`mfa`). Service tokens carry no `amr`
 * and so never pass.
 *
 * @throws InsufficientUserAuthenticationError (`AUTH_INSUFFICIENT_USER_AUTHENTICATION`, 401
 *   `error="insufficient_user_authentication"`, RFC 9470) naming the required methods
 * @example assertUserAuthentication(claims, ['mfa'])
 */
export function assertUserAuthentication(claims: Pick<AccessTokenClaims, 'amr'>, required: readonly string[] = []): void {
  const wanted = required.length === 0 ? [SECOND_FACTOR_AMR] : required;
  const used = claims.amr ?? [];
  if (!wanted.every((m) => used.includes(m))) throw new InsufficientUserAuthenticationError(wanted);
}
