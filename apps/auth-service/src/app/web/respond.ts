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

/**
 * The CSP of the few pages that run our WebAuthn script (passkeys): scripts from our origin
 * only (no inline script, no eval) and fetch only to ourselves; everything else as strict.
 */
export const SCRIPT_POLICY = `${CONTENT_SECURITY_POLICY}; script-src 'self'; connect-src 'self'`;

/** Marks a page that loads scripts of ours: {@link sendPage} then sends {@link SCRIPT_POLICY}. */
export const PAGE_WITH_SCRIPTS = { scripts: true } as const;

/**
 * The CSP of a page whose form ends in a redirect to an app (sign-in and consent for an
 * authorization request): browsers apply `form-action` to every redirect after the submission,
 * so the app's origin — and only it — is added.
 */
function policyFor(formTargets: readonly string[], scripts: boolean): string {
  const base = scripts ? SCRIPT_POLICY : CONTENT_SECURITY_POLICY;
  if (formTargets.length === 0) return base;
  return base.replace("form-action 'self'", `form-action 'self' ${formTargets.join(' ')}`);
}

function securityHeaders(reply: FastifyReply, formTargets: readonly string[] = [], scripts = false): FastifyReply {
  return reply
    .header('content-security-policy', policyFor(formTargets, scripts))
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'same-origin')
    .header('cross-origin-opener-policy', 'same-origin')
    .header('cross-origin-resource-policy', 'same-origin')
    .header('permissions-policy', 'camera=(), microphone=(), geolocation=()')
    .header('cache-control', 'no-store');
}

/** Sends an HTML page with the dashboard's security headers. Pages are per user: never cached. */
export function sendPage(reply: FastifyReply, status: number, page: SafeHtml, formTargets: readonly string[] = [], options: { scripts?: boolean } = {}): void {
  void securityHeaders(reply, formTargets, options.scripts === true).status(status).type('text/html; charset=utf-8').send(page.value);
}

/** 303 See Other to a path of ours (post/redirect/get). */
export function redirect(reply: FastifyReply, path: string): void {
  if (!path.startsWith('/') || path.startsWith('//')) throw new Error('redirects stay on this site');
  void securityHeaders(reply).status(303).header('location', path).send();
}

/**
 * 303 to a URL outside this site. Only for addresses validated against a client's registration
 * (redirect and post-logout URIs, exact match), never for one taken from a request unchecked.
 */
export function redirectToClient(reply: FastifyReply, url: string): void {
  void securityHeaders(reply).status(303).header('location', url).send();
}
