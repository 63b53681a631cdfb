import { Secret, TOTP } from 'otpauth';

/** RFC 6238 parameters every authenticator app understands: SHA-1, 6 digits, 30-second steps. */
const PERIOD_SECONDS = 30;
const DIGITS = 6;

function totp(base32: string, label = 'Gatehouse', issuer = 'Gatehouse'): TOTP {
  return new TOTP({ issuer, label, algorithm: 'SHA1', digits: DIGITS, period: PERIOD_SECONDS, secret: Secret.fromBase32(base32) });
}

/** A new 160-bit TOTP secret (RFC 4226 §4 recommends 160), base32 as authenticator apps show it. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The `otpauth://` URI the QR code carries. */
export function totpUri(base32: string, account: string, issuer: string): string {
  return totp(base32, account, issuer).toString();
}

/**
 * The time step a code belongs to, accepting one step of clock drift either way, or null.
 * The caller stores the step so that no code of that step or an earlier one is accepted again.
 */
export function totpStep(base32: string, code: string, now = Date.now()): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totp(base32).validate({ token: code, timestamp: now, window: 1 });
  return delta === null ? null : Math.floor(now / 1000 / PERIOD_SECONDS) + delta;
}

/** The code of `base32` at `now` (tests, and the enrolment check). */
export function totpCode(base32: string, now = Date.now()): string {
  return totp(base32).generate({ timestamp: now });
}
