import { OAuthError, type TokenResponse } from '@gatehouse/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, timingSafeEqual } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { auditStatement } from '../audit/audit';
import { AuthorizationCodes, type CodeRow } from '../authorize/authorization-codes.service';
import { isOpenIdRequest } from '../authorize/authorization-request';
import type { ClientEntity } from '../clients/client.entity';
import { AUTH_CONFIG } from '../config/config.tokens';
import type { AuthConfig } from '../config/config.schema';
import { runAsOneStatement } from '../database/one-statement';
import { IdTokenIssuer } from '../oidc/id-token';
import { RefreshTokenService } from '../refresh/refresh-token.service';
import { SessionRevoker } from '../sessions/session-revoker.service';
import { TokenIssuer } from '../tokens/token-issuer.service';
import { SessionsService, type SessionOrigin } from '../users/sessions.service';
import type { TokenRequest } from './token-request';

const CODE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;
const INVALID = () => new OAuthError('invalid_grant', 'The authorization code is invalid, expired or already used.');

type Outcome = { ok: TokenResponse } | { replay: true };

/**
 * `grant_type=authorization_code` (RFC 6749 §4.1.3, RFC 7636 §4.6, OIDC Core §3.1.3). The code
 * row is locked, so two exchanges of one code serialise; the second one is a replay and revokes
 * the session (and so every token) the first one opened. Each exchange opens a session of its
 * own in the one registry, a child of the browser session that approved it.
 */
@Injectable()
export class AuthorizationCodeGrant {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly codes: AuthorizationCodes,
    private readonly sessions: SessionsService,
    private readonly refresh: RefreshTokenService,
    private readonly issuer: TokenIssuer,
    private readonly idTokens: IdTokenIssuer,
    private readonly revoker: SessionRevoker,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  /**
   * Exchanges a code for tokens.
   *
   * @throws OAuthError `invalid_request` (missing parameters), `unauthorized_client`, `invalid_grant`
   */
  async exchange(params: TokenRequest, client: ClientEntity, origin: SessionOrigin): Promise<TokenResponse> {
    if (!client.grantTypes.includes('authorization_code')) throw new OAuthError('unauthorized_client', 'This client may not use the authorization_code grant.');
    if (!params.code || !params.redirect_uri) throw new OAuthError('invalid_request', 'code and redirect_uri are required.');
    if (!params.code_verifier) throw new OAuthError('invalid_request', 'code_verifier is required (PKCE).');
    if (!CODE_VERIFIER.test(params.code_verifier)) throw new OAuthError('invalid_grant', 'The code_verifier is malformed.');
    const { code, redirect_uri: redirectUri, code_verifier: verifier } = params;
    const outcome = await this.ds.transaction((em) => this.redeem(em, { code, redirectUri, verifier }, client, origin));
    if ('replay' in outcome) throw INVALID();
    return outcome.ok;
  }

  private async redeem(em: EntityManager, presented: { code: string; redirectUri: string; verifier: string }, client: ClientEntity, origin: SessionOrigin): Promise<Outcome> {
    const row = await this.codes.lock(em, presented.code);
    if (!row) throw INVALID();
    if (row.used_at !== null) {
      // RFC 6749 §4.1.2: a second use revokes what the first one issued.
      if (row.issued_session_id) await this.revoker.revokeSession(em, row.user_id, row.issued_session_id, 'code_replay_detected', origin.ip);
      return { replay: true };
    }
    const checks = [row.expires_at > new Date(), row.client_id === client.id, row.redirect_uri === presented.redirectUri, pkceMatches(presented.verifier, row.code_challenge), row.web_session_live, !row.user_disabled];
    if (checks.includes(false)) throw INVALID();
    return { ok: await this.open(em, row, presented.code, client, origin) };
  }

  private async open(em: EntityManager, row: CodeRow, code: string, client: ClientEntity, origin: SessionOrigin): Promise<TokenResponse> {
    const withRefresh = row.scopes.includes('offline_access') || client.firstParty;
    const idleMs = (withRefresh ? this.config.REFRESH_TOKEN_TTL : this.config.ACCESS_TOKEN_TTL) * 1000;
    const absoluteMs = (withRefresh ? this.config.REFRESH_MAX_LIFETIME : this.config.ACCESS_TOKEN_TTL) * 1000;
    const session = this.sessions.insertion({ userId: row.user_id, clientId: client.id, kind: 'api', idleMs, absoluteMs, parentId: row.web_session_id }, origin);
    const audiences = row.audiences.length > 0 ? row.audiences : [client.id];
    const family = withRefresh ? this.refresh.startFamily({ sessionId: session.id, userId: row.user_id, clientId: client.id, scopes: row.scopes, audiences }) : null;
    const audited = auditStatement('login_ok', { userId: row.user_id, clientId: client.id, sessionId: session.id, ip: origin.ip ?? null, details: { channel: 'authorization_code' } });
    await runAsOneStatement(em, [session.statement, ...(family ? [family.statement] : []), audited]);
    await this.codes.markUsed(em, code, session.id);
    const access = this.issuer.issue({ sub: row.user_id, clientId: client.id, audiences, scopes: row.scopes, sid: session.id });
    const idToken = isOpenIdRequest(row.scopes)
      ? this.idTokens.issue({ userId: row.user_id, clientId: client.id, sessionId: session.id, authTime: row.auth_time, nonce: row.nonce, scopes: row.scopes, email: row.email })
      : undefined;
    return {
      access_token: access.token,
      token_type: 'Bearer',
      expires_in: access.expiresIn,
      scope: access.scope,
      ...(family ? { refresh_token: family.token } : {}),
      ...(idToken ? { id_token: idToken } : {}),
    };
  }
}

/** RFC 7636 §4.6: BASE64URL(SHA256(verifier)) equals the challenge, compared in constant time. */
function pkceMatches(verifier: string, challenge: string): boolean {
  const computed = Buffer.from(createHash('sha256').update(verifier, 'ascii').digest('base64url'));
  const expected = Buffer.from(challenge);
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}
