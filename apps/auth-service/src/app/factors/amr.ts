/**
 * Authentication method references (RFC 8176 §2) a sign-in can carry in `amr`:
 * `pwd` password, `otp` one-time code (TOTP or a recovery code), `hwk` a passkey (proof of
 * possession of a hardware-bound key), `user` the authenticator verified the user (PIN or
 * biometrics), and `mfa` whenever more than one factor was used.
 */
export type AuthMethod = 'pwd' | 'otp' | 'hwk' | 'user';

const METHODS: readonly string[] = ['pwd', 'otp', 'hwk', 'user'] satisfies AuthMethod[];

/**
 * The `amr` of a sign-in that used `methods` (values other than the four above, such as an
 * earlier `mfa`, are dropped); `mfa` is added for two factors or a user-verifying passkey.
 */
export function amrOf(methods: readonly string[]): string[] {
  const unique = [...new Set(methods.filter((m) => METHODS.includes(m)))];
  const factors = new Set(unique.map((m) => (m === 'user' ? 'inherence' : m === 'pwd' ? 'knowledge' : 'possession')));
  return factors.size > 1 ? [...unique, 'mfa'] : unique;
}

/** Whether an `amr` says that a second factor was used. */
export function isMultiFactor(amr: readonly string[] | undefined): boolean {
  return amr?.includes('mfa') === true;
}
