import { ACCESS_TOKEN_TYPE_URN, actorChain, type AccessTokenClaims, type TokenResponse } from '@gatehouse/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { auditStatement } from '../../audit/audit';
import type { ClientEntity } from '../../clients/client.entity';
import { AUTH_CONFIG } from '../../config/config.tokens';
import type { AuthConfig } from '../../config/config.schema';
import { AccessTokenVerifier } from '../../tokens/access-token-verifier.service';
import { TokenIssuer } from '../../tokens/token-issuer.service';
import type { TokenRequest } from '../token-request';
import { checkActor, checkDepth, checkParameters, checkPolicy, checkScopes, checkSubjectAudience, checkSubjectIsUser, checkSubjectScopes, checkTarget } from './exchange-checks';

/**
 * `grant_type=urn:ietf:params:oauth:grant-type:token-exchange` (RFC 8693) for an authenticated
 * confidential client: a user's access token becomes one for another service, with `sub` the
 * user, `act: {sub: <client>}` (the subject's own `act` nested inside), `aud` the target, the
 * user's `sid`, `origin_client_id` the client the user's token was first issued to, and an exp no
 * later than the subject token's. It dies with the session, the user, and every client of its
 * chain, through the events that already exist. The rules run in order, as a table
 * (exchange-checks.ts; docs/security.md lists them with their errors); the one that needs the
 * database — is the subject token still live — runs last, in the same statement as the audit row.
 */
@Injectable()
export class TokenExchangeGrant {
  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly issuer: TokenIssuer,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  /**
   * Exchanges `params.subject_token` for `client`.
   *
   * @throws OAuthError `invalid_request`, `unauthorized_client`, `invalid_grant`, `invalid_target`, `invalid_scope`
   */
  async exchange(params: TokenRequest, client: ClientEntity, ip: string | undefined): Promise<TokenResponse> {
    const { subjectToken, actorToken, audience } = checkParameters(params);
    const policy = checkPolicy(client);
    const subject = checkSubjectIsUser(this.verifier.verifySignature(subjectToken));
    checkSubjectAudience(subject, policy);
    checkDepth(subject, this.config.TOKEN_EXCHANGE_MAX_DEPTH);
    checkActor(actorToken === undefined ? undefined : await this.live(actorToken), client);
    const target = checkTarget(policy, audience);
    checkSubjectScopes(subject, target);
    const scopes = checkScopes(params, target);

    // Last rule, in one round trip: the subject token is still live (session, user, token, every
    // client of its chain) — and only then the audit row. The signature is computed meanwhile.
    const act = subject.act ? { sub: client.id, act: subject.act } : { sub: client.id };
    const jti = randomUUID();
    const details = { audience, scope: scopes.join(' '), act: actorChain(act).join(' < '), jti };
    const record = auditStatement('token_exchanged', { userId: subject.sub, clientId: client.id, sessionId: subject.sid ?? null, ip: ip ?? null, details });
    const [live, access] = await Promise.all([
      this.verifier.isLiveThen(subject, record),
      this.issuer.issueAsync({
        sub: subject.sub,
        clientId: client.id,
        audiences: [audience],
        scopes,
        sid: subject.sid as string,
        act,
        originClientId: subject.origin_client_id ?? subject.client_id,
        notAfter: subject.exp,
        jti,
        // The user's sign-in travels with them: a route at the next hop may require a factor.
        ...(subject.amr ? { amr: subject.amr } : {}),
        ...(subject.auth_time !== undefined ? { authTime: new Date(subject.auth_time * 1000) } : {}),
      }),
    ]);
    checkSubjectIsUser(live ? subject : null);
    return { access_token: access.token, issued_token_type: ACCESS_TOKEN_TYPE_URN, token_type: 'Bearer', expires_in: access.expiresIn, scope: access.scope };
  }

  /** Verified and not revoked (the issuer's database is the authority), or null. */
  private async live(token: string): Promise<AccessTokenClaims | null> {
    const claims = this.verifier.verifySignature(token);
    return claims && (await this.verifier.isLive(claims)) ? claims : null;
  }
}
