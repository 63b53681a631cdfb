import { OAuthError, TOKEN_EXCHANGE_GRANT_TYPE, parseScope, type TokenResponse } from '@gatehouse/contracts';
import { Public } from '@gatehouse/service-runtime';
import { Body, Controller, Headers, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ClientsService } from '../clients/clients.service';
import { RefreshTokenService } from '../refresh/refresh-token.service';
import { TokenIssuer } from '../tokens/token-issuer.service';
import { AuthorizationCodeGrant } from './authorization-code-grant.service';
import { presentedClient } from './client-credentials';
import { OAuthClientResolver } from './oauth-client.resolver';
import { TokenExchangeGrant } from './token-exchange/token-exchange.grant';
import { parseTokenRequest, type TokenRequest } from './token-request';

const SUPPORTED_GRANTS = ['authorization_code', 'client_credentials', 'refresh_token', TOKEN_EXCHANGE_GRANT_TYPE] as const;

/** POST /oauth/token: authorization_code (RFC 6749 §4.1.3 + PKCE), client_credentials (§4.4), refresh_token (§6), token exchange (RFC 8693). */
@Public()
@Controller('oauth')
export class TokenController {
  constructor(
    private readonly clients: ClientsService,
    private readonly issuer: TokenIssuer,
    private readonly refresh: RefreshTokenService,
    private readonly resolver: OAuthClientResolver,
    private readonly codeGrant: AuthorizationCodeGrant,
    private readonly exchangeGrant: TokenExchangeGrant,
  ) {}

  @Post('token')
  @HttpCode(200)
  async token(
    @Body() body: unknown,
    @Headers('authorization') authorization: string | undefined,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenResponse> {
    const params = parseTokenRequest(body);
    void reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    if (!(SUPPORTED_GRANTS as readonly string[]).includes(params.grant_type)) {
      throw new OAuthError('unsupported_grant_type', 'The grant type is not supported.');
    }
    if (params.grant_type === 'refresh_token') return this.refreshGrant(params, authorization);
    if (params.grant_type === 'authorization_code') {
      const client = await this.resolver.resolveRegistered(authorization, params);
      return this.codeGrant.exchange(params, client, { ip: req.ip, userAgent: req.headers['user-agent'] });
    }
    const presented = presentedClient(authorization, params);
    const client = await this.clients.authenticate(presented.id, presented.secret);
    if (params.grant_type === TOKEN_EXCHANGE_GRANT_TYPE) return this.exchangeGrant.exchange(params, client, req.ip);
    if (!client.grantTypes.includes('client_credentials')) throw new OAuthError('unauthorized_client', 'This client may not use the client_credentials grant.');
    const scopes = pick('scope', client.scopes, params.scope === undefined ? undefined : parseScope(params.scope));
    const audiences = pick('audience', client.audiences, params.audience === undefined ? undefined : parseScope(params.audience));
    const access = await this.issuer.issueAsync({ sub: client.id, clientId: client.id, audiences, scopes });
    return { access_token: access.token, token_type: 'Bearer', expires_in: access.expiresIn, scope: access.scope };
  }

  /**
   * RFC 6749 §6. The first-party client is public (no secret); any other client must
   * authenticate, and the token must have been issued to it.
   */
  private async refreshGrant(params: TokenRequest, authorization: string | undefined): Promise<TokenResponse> {
    if (!params.refresh_token) throw new OAuthError('invalid_request', 'Invalid or missing parameter: refresh_token.');
    const clientId = await this.resolver.resolve(authorization, params, true);
    return this.refresh.rotate(params.refresh_token, clientId);
  }
}

/** Narrows to what was requested; everything allowed when nothing was. */
function pick(field: 'scope' | 'audience', allowed: readonly string[], requested: string[] | null | undefined): string[] {
  if (requested === undefined) return [...allowed];
  if (requested === null || requested.length === 0 || requested.some((r) => !allowed.includes(r))) {
    const error = field === 'scope' ? 'invalid_scope' : 'invalid_request';
    throw new OAuthError(error, `The requested ${field} is not allowed for this client.`);
  }
  return requested;
}
