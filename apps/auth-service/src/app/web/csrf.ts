import { ForbiddenError } from '@gatehouse/contracts';
import type { FastifyRequest } from 'fastify';
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/** DI token of the key that signs the login and registration forms' CSRF tokens. */
export const WEB_FORM_KEY = Symbol('WEB_FORM_KEY');

/** Derives the form-signing key from the key encryption key (HKDF, its own label), so every replica agrees. */
export function deriveWebFormKey(kek: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', kek, Buffer.alloc(0), 'gatehouse web form csrf v1', 32));
}

/** Message of every refused cross-site or token-less form post. */
export const CSRF_MESSAGE = 'This form was not sent from this site or has expired. Go back, reload the page and try again.';

/**
 * Refuses a state-changing request that a browser says came from another origin: `Sec-Fetch-Site`
 * must be `same-origin` (or `none`, a user's own action) when present, and `Origin`, when present,
 * must name this host. Note that another port on the same host is same-site, so SameSite=Lax
 * alone would not stop it; this check and the token do.
 *
 * @throws ForbiddenError (`AUTH_FORBIDDEN`) for a cross-origin request
 */
export function assertSameOrigin(req: FastifyRequest): void {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') throw new ForbiddenError(CSRF_MESSAGE);
  const origin = req.headers.origin;
  if (origin === undefined) return;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    throw new ForbiddenError(CSRF_MESSAGE);
  }
  if (origin === 'null' || host !== req.host) throw new ForbiddenError(CSRF_MESSAGE);
}

/** Constant-time comparison of two tokens; false for a missing or differently sized one. */
export function tokensEqual(expected: string, presented: unknown): boolean {
  if (typeof presented !== 'string' || presented.length === 0) return false;
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(presented, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The login/registration form token: HMAC of the pre-login cookie, so a page on another site cannot produce it. */
export function loginFormToken(key: Buffer, loginCookie: string): string {
  return createHmac('sha256', key).update(`login-form:${loginCookie}`).digest('base64url');
}
