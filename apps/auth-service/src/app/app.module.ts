import { RuntimeModule } from '@gatehouse/service-runtime';
import { type DynamicModule, Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { AccountApiController } from './accounts/account-api.controller';
import { AccountDeletion } from './accounts/account-deletion.service';
import { AdminController } from './admin/admin.controller';
import { AuthController } from './auth/auth.controller';
import { LoginService } from './auth/login.service';
import { ClientCache } from './clients/client-cache';
import { ClientChangeListener } from './clients/client-change-listener.service';
import { ClientsService } from './clients/clients.service';
import { AUTH_CONFIG } from './config/config.tokens';
import type { AuthConfig } from './config/config.schema';
import { dataSourceOptions, ensureDatabase, migrate } from './database/data-source';
import { FACTOR_PROVIDERS } from './factors/factor.providers';
import { DatabaseReadiness } from './health/database-readiness';
import { JwksController } from './keys/jwks.controller';
import { KeyEncryption } from './keys/key-encryption';
import { KEY_ENCRYPTION, KeyStoreService } from './keys/key-store.service';
import { KeyRotationService } from './keys/key-rotation.service';
import { KeysAdminController } from './keys/keys-admin.controller';
import { OAuthClientResolver } from './oauth/oauth-client.resolver';
import { OPENID_PROVIDER_CONTROLLERS, openIdProviderProviders } from './oidc/openid-provider.providers';
import { RevocationController } from './oauth/revocation.controller';
import { TokenController } from './oauth/token.controller';
import { RefreshTokenService } from './refresh/refresh-token.service';
import { AdminGuard } from './sessions/admin.guard';
import { BearerGuard } from './sessions/bearer.guard';
import { SessionRevoker } from './sessions/session-revoker.service';
import { PasswordController } from './sessions/password.controller';
import { SessionsController } from './sessions/sessions.controller';
import { LoginThrottle } from './throttle/login-throttle.service';
import { OutboxRelay } from './events/outbox-relay.service';
import { Janitor } from './janitor/janitor.service';
import { TokenExchangeGrant } from './oauth/token-exchange/token-exchange.grant';
import { AccessTokenVerifier } from './tokens/access-token-verifier.service';
import { TokenIssuer } from './tokens/token-issuer.service';
import { PasswordHasher } from './users/password-hasher.service';
import { SessionsService } from './users/sessions.service';
import { UsersService } from './users/users.service';
import { WEB_CONTROLLERS, webProviders } from './web/web.providers';

/** Everything auth-service needs at run time, built from validated config. */
export interface AuthAppDeps {
  config: AuthConfig;
  logger: Logger;
  kek: Buffer;
}

/** Root module of auth-service. */
@Module({})
export class AppModule {
  static forRoot(deps: AuthAppDeps): DynamicModule {
    return {
      module: AppModule,
      imports: [
        RuntimeModule.forRoot({
          service: 'auth-service',
          logger: deps.logger,
          readiness: { useClass: DatabaseReadiness },
        }),
        TypeOrmModule.forRootAsync({
          useFactory: () => ({ ...dataSourceOptions(deps.config), retryAttempts: 2, retryDelay: 1000 }),
          // Create and migrate before any provider touches a table.
          dataSourceFactory: async (options) => {
            await ensureDatabase(deps.config);
            if (!options) throw new Error('missing data source options');
            const ds = await new DataSource(options).initialize();
            await migrate(ds);
            return ds;
          },
        }),
        JwtModule.register({}),
      ],
      controllers: [AuthController, TokenController, JwksController, SessionsController, RevocationController, PasswordController, AdminController, KeysAdminController, AccountApiController, ...WEB_CONTROLLERS, ...OPENID_PROVIDER_CONTROLLERS],
      providers: [
        { provide: AUTH_CONFIG, useValue: deps.config },
        { provide: KEY_ENCRYPTION, useValue: new KeyEncryption(deps.kek) },
        KeyStoreService,
        KeyRotationService,
        TokenIssuer,
        PasswordHasher,
        UsersService,
        SessionsService,
        { provide: ClientCache, useFactory: (config: AuthConfig) => new ClientCache(config.CLIENT_CACHE_TTL * 1000), inject: [AUTH_CONFIG] },
        ClientChangeListener,
        ClientsService,
        LoginService,
        RefreshTokenService,
        SessionRevoker,
        LoginThrottle,
        OutboxRelay,
        Janitor,
        AccountDeletion,
        BearerGuard,
        AccessTokenVerifier,
        TokenExchangeGrant,
        OAuthClientResolver,
        AdminGuard,
        ...FACTOR_PROVIDERS,
        ...webProviders(deps.kek),
        ...openIdProviderProviders(deps.kek),
      ],
      exports: [UsersService, ClientsService],
    };
  }
}
