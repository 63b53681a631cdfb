import type { FastifyReply, FastifyRequest } from 'fastify';

/** The web session cookie (DESIGN.md, Web sessions). `__Host-` forbids Domain, requires Secure and Path=/. */
export const SESSION_COOKIE = '__Host-gh_session';
/** Pre-login cookie binding the CSRF token of the login and registration forms. */
export const LOGIN_COOKIE = '__Host-gh_login';
/** Between a correct password and the second factor: the single-use challenge of that sign-in. */
export const SECOND_FACTOR_COOKIE = '__Host-gh_2fa';

/** Values we issue are base64url; anything else is ignored rather than parsed. */
const COOKIE_VALUE = /^[A-Za-z0-9_-]{16,128}$/;

/** Reads one cookie from the request; returns undefined if absent, repeated or malformed. */
export function readCookie(req: FastifyRequest, name: string): string | undefined {
  const header = req.headers.cookie;
  if (typeof header !== 'string' || header.length > 8192) return undefined;
  const found = header
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part.startsWith(`${name}=`))
    .map((part) => part.slice(name.length + 1));
  // Two cookies of one name would mean someone planted one: trust neither.
  if (found.length !== 1) return undefined;
  const value = found[0] as string;
  return COOKIE_VALUE.test(value) ? value : undefined;
}

/**
 * Sets a `__Host-` cookie: Secure, HttpOnly, Path=/, no Domain. Without `maxAge` it lasts until
 * the browser closes; the server enforces the real lifetimes.
 */
export function setCookie(reply: FastifyReply, name: string, value: string, sameSite: 'Lax' | 'Strict', maxAge?: number): void {
  const parts = [`${name}=${value}`, 'Path=/', 'Secure', 'HttpOnly', `SameSite=${sameSite}`];
  if (maxAge !== undefined) parts.push(`Max-Age=${maxAge}`);
  appendSetCookie(reply, parts.join('; '));
}

/** Deletes a `__Host-` cookie. */
export function clearCookie(reply: FastifyReply, name: string): void {
  appendSetCookie(reply, `${name}=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0`);
}

/** Fastify appends repeated `set-cookie` headers instead of replacing them. */
function appendSetCookie(reply: FastifyReply, cookie: string): void {
  void reply.header('set-cookie', cookie);
}
