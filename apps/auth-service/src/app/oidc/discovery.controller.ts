import { OIDC_SCOPES, SCOPES, TOKEN_ENDPOINT_AUTH_METHODS, TOKEN_EXCHANGE_GRANT_TYPE } from '@gatehouse/contracts';
import { Public } from '@gatehouse/service-runtime';
import { Controller, Get, Header, Inject } from '@nestjs/common';
import { AUTH_CONFIG } from '../config/config.tokens';
import type { AuthConfig } from '../config/config.schema';
import { JWKS_MAX_AGE_SECONDS } from '../keys/jwks-cache';

/** Path of the RP-initiated logout endpoint, advertised as `end_session_endpoint`. */
export const END_SESSION_PATH = '/oauth/logout';

/**
 * OpenID Provider metadata (OIDC Discovery 1.0) and the same document as RFC 8414 authorization
 * server metadata. It lists exactly what Gatehouse does: the code flow with PKCE S256 only, no
 * implicit or hybrid flow, RS256 only.
 */
@Public()
@Controller('.well-known')
export class DiscoveryController {
  private readonly metadata: Record<string, unknown>;

  constructor(@Inject(AUTH_CONFIG) config: AuthConfig) {
    this.metadata = providerMetadata(config);
  }

  @Get('openid-configuration')
  @Header('cache-control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`)
  openidConfiguration(): Record<string, unknown> {
    return this.metadata;
  }

  @Get('oauth-authorization-server')
  @Header('cache-control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`)
  authorizationServer(): Record<string, unknown> {
    return this.metadata;
  }
}

/** The metadata document for an issuer. */
export function providerMetadata(config: AuthConfig): Record<string, unknown> {
  const iss = config.ISSUER;
  const resourceScopes = [...new Set([...config.DEFAULT_USER_SCOPES, SCOPES.ordersRead, SCOPES.ordersWrite, SCOPES.inventoryReserve, SCOPES.admin])];
  return {
    issuer: iss,
    authorization_endpoint: `${iss}/oauth/authorize`,
    token_endpoint: `${iss}/oauth/token`,
    userinfo_endpoint: `${iss}/oauth/userinfo`,
    jwks_uri: `${iss}/.well-known/jwks.json`,
    end_session_endpoint: `${iss}${END_SESSION_PATH}`,
    revocation_endpoint: `${iss}/oauth/revoke`,
    introspection_endpoint: `${iss}/oauth/introspect`,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials', TOKEN_EXCHANGE_GRANT_TYPE],
    code_challenge_methods_supported: ['S256'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    token_endpoint_auth_methods_supported: [...TOKEN_ENDPOINT_AUTH_METHODS],
    revocation_endpoint_auth_methods_supported: [...TOKEN_ENDPOINT_AUTH_METHODS],
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    scopes_supported: [...OIDC_SCOPES, ...resourceScopes],
    claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'amr', 'nonce', 'sid', 'azp', 'email', 'email_verified', 'act', 'origin_client_id'],
    prompt_values_supported: ['none', 'login', 'consent'],
    authorization_response_iss_parameter_supported: true,
    backchannel_logout_supported: true,
    backchannel_logout_session_supported: true,
    frontchannel_logout_supported: false,
    claims_parameter_supported: false,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    require_request_uri_registration: false,
  };
}
