import { OAuthError, type TokenResponse } from '@gatehouse/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AuthorizationCodes, type RedeemedCode } from '../authorize/authorization-codes.service';
import { isOpenIdRequest } from '../authorize/authorization-request';
import type { ClientEntity } from '../clients/client.entity';
import { AUTH_CONFIG } from '../config/config.tokens';
import type { AuthConfig } from '../config/config.schema';
import { IdTokenIssuer } from '../oidc/id-token';
import { RefreshTokenService } from '../refresh/refresh-token.service';
import { SessionRevoker } from '../sessions/session-revoker.service';
import { TokenIssuer } from '../tokens/token-issuer.service';
import type { SessionOrigin } from '../users/sessions.service';
import type { TokenRequest } from './token-request';

const CODE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;
const INVALID = () => new OAuthError('invalid_grant', 'The authorization code is invalid, expired or already used.');

/**
 * `grant_type=authorization_code` (RFC 6749 §4.1.3, RFC 7636 §4.6, OIDC Core §3.1.3). The code is
 * consumed and its session opened in one statement ({@link AuthorizationCodes.redeem}); a code
 * that was already used is a replay, and the session (so every token) its first exchange opened
 * is revoked. Each exchange opens a session of its own in the one registry, a child of the
 * browser session that approved it; both tokens are signed on the libuv pool, side by side.
 */
@Injectable()
export class AuthorizationCodeGrant {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly codes: AuthorizationCodes,
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
    if (!CODE_VERIFIER.test(params.code_verifier) || params.code.length < 40 || params.code.length > 128) throw INVALID();
    const sessionId = randomUUID();
    const refresh = this.refresh.mint();
    const redeemed = await this.codes.redeem({
      code: params.code,
      clientId: client.id,
      redirectUri: params.redirect_uri,
      challenge: createHash('sha256').update(params.code_verifier, 'ascii').digest('base64url'),
      sessionId,
      refreshAlways: client.firstParty,
      refreshTokenHash: refresh.hash,
      origin: { ip: origin.ip ?? null, userAgent: origin.userAgent ?? null },
      lifetimes: { accessTtl: this.config.ACCESS_TOKEN_TTL, refreshIdle: this.config.REFRESH_TOKEN_TTL, refreshAbsolute: this.config.REFRESH_MAX_LIFETIME },
    });
    if (!redeemed) {
      await this.revokeReplay(params.code, origin);
      throw INVALID();
    }
    return this.tokens(redeemed, client, sessionId, redeemed.with_refresh ? refresh.token : null);
  }

  /** RFC 6749 §4.1.2: a second use of a code revokes what the first one issued. */
  private async revokeReplay(code: string, origin: SessionOrigin): Promise<void> {
    const first = await this.codes.usedBy(code);
    if (first) await this.ds.transaction((em) => this.revoker.revokeSession(em, first.userId, first.sessionId, 'code_replay_detected', origin.ip));
  }

  private async tokens(row: RedeemedCode, client: ClientEntity, sessionId: string, refreshToken: string | null): Promise<TokenResponse> {
    const [access, idToken] = await Promise.all([
      this.issuer.issueAsync({ sub: row.user_id, clientId: client.id, audiences: row.audiences, scopes: row.scopes, sid: sessionId, amr: row.amr, authTime: row.auth_time }),
      isOpenIdRequest(row.scopes)
        ? this.idTokens.issue({ userId: row.user_id, clientId: client.id, sessionId, authTime: row.auth_time, amr: row.amr, nonce: row.nonce, scopes: row.scopes, email: row.email })
        : Promise.resolve(undefined),
    ]);
    return {
      access_token: access.token,
      token_type: 'Bearer',
      expires_in: access.expiresIn,
      scope: access.scope,
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
      ...(idToken ? { id_token: idToken } : {}),
    };
  }
}
