import type { PublicJwk } from '@gatehouse/contracts';
import { Public } from '@gatehouse/service-runtime';
import { Controller, Get, Header, Inject } from '@nestjs/common';
import { AUTH_CONFIG } from '../config/config.tokens';
import type { AuthConfig } from '../config/config.schema';
import { JWKS_MAX_AGE_SECONDS } from './jwks-cache';
import { KeyStoreService } from './key-store.service';

/** GET /.well-known/jwks.json and /.well-known/openid-configuration. */
@Public()
@Controller('.well-known')
export class JwksController {
  constructor(
    private readonly keys: KeyStoreService,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  @Get('jwks.json')
  @Header('cache-control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`)
  jwks(): { keys: readonly PublicJwk[] } {
    return { keys: this.keys.publicKeys() };
  }

  @Get('openid-configuration')
  @Header('cache-control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`)
  discovery(): Record<string, unknown> {
    const iss = this.config.ISSUER;
    return {
      issuer: iss,
      jwks_uri: `${iss}/.well-known/jwks.json`,
      token_endpoint: `${iss}/oauth/token`,
      revocation_endpoint: `${iss}/oauth/revoke`,
      introspection_endpoint: `${iss}/oauth/introspect`,
      grant_types_supported: ['client_credentials', 'refresh_token'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      id_token_signing_alg_values_supported: ['RS256'],
      access_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['token'],
      subject_types_supported: ['public'],
      scopes_supported: ['orders:read', 'orders:write', 'inventory:reserve', 'gatehouse:admin'],
    };
  }
}
