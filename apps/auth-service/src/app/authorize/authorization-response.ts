import type { FastifyReply } from 'fastify';
import { redirectToClient, sendPage } from '../web/respond';
import { errorPage } from '../web/views/auth-pages';
import type { AuthorizationError } from './authorization-request';

/**
 * The redirect back to the client: the registered URI (its own query kept) plus `code` or
 * `error`, `state`, and `iss` (RFC 9207) so a client talking to several issuers cannot be mixed up.
 */
export function authorizationResponseUrl(redirectUri: string, issuer: string, params: Record<string, string | null>): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) if (value !== null) url.searchParams.append(name, value);
  url.searchParams.append('iss', issuer);
  return url.toString();
}

/** Sends a refusal: back to the client once its redirect URI is validated, else our own page. */
export function sendAuthorizationError(reply: FastifyReply, issuer: string, err: AuthorizationError): void {
  if (err.redirect) {
    redirectToClient(reply, authorizationResponseUrl(err.redirect.uri, issuer, { error: err.error, error_description: err.description, state: err.redirect.state }));
    return;
  }
  sendPage(reply, 400, errorPage(400, `This sign-in request cannot be handled: ${err.description} Go back to the application and try again.`));
}

/** The origin of a redirect URI, for the CSP `form-action` of the pages that lead to it. */
export function originOf(uri: string): string {
  return new URL(uri).origin;
}
