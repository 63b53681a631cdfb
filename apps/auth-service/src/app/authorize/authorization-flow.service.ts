import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ClientsService } from '../clients/clients.service';
import { AUTH_CONFIG } from '../config/config.tokens';
import type { AuthConfig } from '../config/config.schema';
import { redirect, redirectToClient, sendPage } from '../web/respond';
import { consentPage } from '../web/views/consent-page';
import { pageUser } from '../web/web-session.guard';
import type { WebSession } from '../web/web-session.store';
import { AuthorizationCodes } from './authorization-codes.service';
import { AuthorizationError, isOidcScope, type AuthorizationRequest } from './authorization-request';
import { authorizationResponseUrl, originOf } from './authorization-response';
import { Consents } from './consents.service';
import { PENDING_AUTHORIZATION_KEY, sealAuthorization } from './pending-authorization';

/**
 * What happens to a validated authorization request, in order: the user signs in (unless the
 * browser session satisfies `prompt` and `max_age`), consents (unless first-party or already
 * approved), and the client gets a code. `prompt=none` turns each interaction into an error.
 */
@Injectable()
export class AuthorizationFlow {
  constructor(
    private readonly clients: ClientsService,
    private readonly codes: AuthorizationCodes,
    private readonly consents: Consents,
    @Inject(PENDING_AUTHORIZATION_KEY) private readonly key: Buffer,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  /** Whether `session` is a sign-in this request accepts. */
  signedInFor(session: WebSession | null, request: AuthorizationRequest, now = Date.now()): session is WebSession {
    if (!session) return false;
    const authTime = session.authTime.getTime();
    // A sign-in made for this very request satisfies prompt=login and any max_age (even 0).
    if (authTime >= request.createdAt) return true;
    if (request.prompt.includes('login')) return false;
    return request.maxAge === null || now - authTime <= request.maxAge * 1000;
  }

  /** Login, consent or code, whichever comes next. */
  async proceed(request: AuthorizationRequest, session: WebSession | null, reply: FastifyReply): Promise<void> {
    const client = await this.clients.findActive(request.clientId);
    if (!client || !client.redirectUris.includes(request.redirectUri)) {
      throw new AuthorizationError('unauthorized_client', 'This application is no longer registered for sign-in.', null);
    }
    const none = request.prompt.includes('none');
    if (!this.signedInFor(session, request)) {
      if (none) throw this.fail(request, 'login_required', 'The user is not signed in.');
      const hint = request.loginHint ? `&login_hint=${encodeURIComponent(request.loginHint)}` : '';
      return redirect(reply, `/login?authz=${this.seal(request)}${hint}`);
    }
    const scopes = request.scopes.filter((s) => isOidcScope(s) || session.scopes.includes(s));
    const asked = request.prompt.includes('consent') || !(await this.consents.covers(session.userId, client.id, scopes, request.audiences));
    if (!client.firstParty && asked) {
      if (none) throw this.fail(request, 'consent_required', 'The user has not approved this application.');
      const view = { user: pageUser(session), clientName: client.name, clientId: client.id, redirectHost: new URL(request.redirectUri).host, scopes, audiences: request.audiences, authz: this.seal(request) };
      return sendPage(reply, 200, consentPage(view), [originOf(request.redirectUri)]);
    }
    await this.issueCode(request, session, scopes, reply);
  }

  /** The user's answer on the consent page. */
  async decide(request: AuthorizationRequest, session: WebSession, allow: boolean, reply: FastifyReply): Promise<void> {
    if (!allow) throw this.fail(request, 'access_denied', 'The user denied the request.');
    const scopes = request.scopes.filter((s) => isOidcScope(s) || session.scopes.includes(s));
    await this.consents.grant(session.userId, request.clientId, scopes, request.audiences);
    await this.proceed({ ...request, prompt: request.prompt.filter((p) => p !== 'consent') }, session, reply);
  }

  /** The sealed form of a request, for /login and the consent page. */
  seal(request: AuthorizationRequest): string {
    return sealAuthorization(this.key, request);
  }

  private async issueCode(request: AuthorizationRequest, session: WebSession, scopes: string[], reply: FastifyReply): Promise<void> {
    const code = await this.codes.issue(request, { userId: session.userId, webSessionId: session.sessionId, authTime: session.authTime, scopes });
    redirectToClient(reply, authorizationResponseUrl(request.redirectUri, this.config.ISSUER, { code, state: request.state }));
  }

  private fail(request: AuthorizationRequest, error: AuthorizationError['error'], description: string): AuthorizationError {
    return new AuthorizationError(error, description, { uri: request.redirectUri, state: request.state });
  }
}
