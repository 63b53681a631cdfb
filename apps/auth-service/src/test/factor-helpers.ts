import { Secret, TOTP } from 'otpauth';
import { csrfIn, WebClient } from './web-helpers';

/**
 * TOTP codes computed by the test from the enrolled secret, with otpauth (a third party, not our
 * code): `offset` steps of 30 s from now (the server accepts one step of drift either way).
 */
export function codeFor(secret: string, offset = 0): string {
  return new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: Date.now() + offset * 30_000 });
}

/** The key an enrolment page shows as text (grouped by four). */
export function secretIn(page: string): string {
  const m = /<code data-totp-secret>([A-Z2-7 ]+)<\/code>/.exec(page);
  if (!m?.[1]) throw new Error('no TOTP key in page');
  return m[1].replace(/ /g, '');
}

/** The recovery codes a page shows once. */
export function recoveryCodesIn(page: string): string[] {
  return [...page.matchAll(/<li><code>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})<\/code><\/li>/g)].map((m) => m[1] as string);
}

/**
 * Enrols an authenticator app for the signed-in `web` client through /account/security, as a
 * user would; returns the secret, the ten recovery codes and the code that confirmed it (used up).
 */
export async function enrolTotp(web: WebClient): Promise<{ secret: string; recoveryCodes: string[]; enrolCode: string }> {
  const security = await web.get('/account/security');
  const started = await web.post('/account/security/totp', { csrf: csrfIn(security.body) });
  if (started.res.headers.get('location') !== '/account/security/totp') throw new Error(`enrolment did not start: ${started.res.status}`);
  const setup = await web.get('/account/security/totp');
  const secret = secretIn(setup.body);
  const enrolCode = codeFor(secret);
  const confirmed = await web.post('/account/security/totp/confirm', { csrf: csrfIn(setup.body), code: enrolCode });
  if (confirmed.res.status !== 200) throw new Error(`enrolment not confirmed: ${confirmed.res.status}`);
  return { secret, recoveryCodes: recoveryCodesIn(confirmed.body), enrolCode };
}

/**
 * Logs in through /login (or `loginPath`, e.g. `/login?reauth=1`) and its second step with
 * `second` (a TOTP code or a recovery code); returns the answer of the second step.
 */
export async function webLoginWithCode(
  web: WebClient,
  email: string,
  password: string,
  second: { code: string } | { recovery_code: string },
  loginPath = '/login',
): Promise<{ status: number; location: string | null; body: string }> {
  const form = await web.get(loginPath);
  const first = await web.post('/login', { email, password, csrf: csrfIn(form.body) });
  if (first.res.headers.get('location') !== '/login/second-factor') throw new Error(`no second step: ${first.res.status} ${first.res.headers.get('location')}`);
  const step = await web.get('/login/second-factor');
  const done = await web.post('/login/second-factor', { csrf: csrfIn(step.body), ...second });
  return { status: done.res.status, location: done.res.headers.get('location'), body: done.body };
}
