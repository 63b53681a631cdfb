import type { FastifyReply } from 'fastify';
import type { SafeHtml } from './html';

/**
 * Referrer-Policy is `same-origin`, not `no-referrer`: under `no-referrer` Chromium sends
 * `Origin: null` with our own form posts, which the origin check must refuse.
 *
 * Strict CSP: no scripts at all, styles only from our own stylesheet, forms only to ourselves,
 * no framing. `X-Content-Type-Options` and (over TLS) HSTS come from service-runtime.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

function securityHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'same-origin')
    .header('cross-origin-opener-policy', 'same-origin')
    .header('cross-origin-resource-policy', 'same-origin')
    .header('permissions-policy', 'camera=(), microphone=(), geolocation=()')
    .header('cache-control', 'no-store');
}

/** Sends an HTML page with the dashboard's security headers. Pages are per user: never cached. */
export function sendPage(reply: FastifyReply, status: number, page: SafeHtml): void {
  void securityHeaders(reply).status(status).type('text/html; charset=utf-8').send(page.value);
}

/** 303 See Other to a path of ours (post/redirect/get). */
export function redirect(reply: FastifyReply, path: string): void {
  if (!path.startsWith('/') || path.startsWith('//')) throw new Error('redirects stay on this site');
  void securityHeaders(reply).status(303).header('location', path).send();
}
