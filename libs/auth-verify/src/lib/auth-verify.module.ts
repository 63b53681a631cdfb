import { type DynamicModule, Injectable, Module, type OnModuleInit, type Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { AUTH_VERIFY_OPTIONS, AUTH_VERIFY_STRATEGY, resolveOptions, type AuthVerifyOptions } from './auth-verify.options';
import { createGatehouseJwtStrategy, nextStrategyName } from './gatehouse-jwt.strategy';
import { JwtAuthGuard, PassportJwtGuard, ScopesGuard } from './guards';
import { JwksCache } from './jwks-cache';
import { RevocationStore } from './revocation-store';
import { TokenVerifier } from './token-verifier';
import { VerifiedTokenCache } from './verified-token-cache';
import { VerifierReadiness } from './verifier-readiness';

/** Loads the JWKS and starts following revocations when the module initialises. */
@Injectable()
class AuthVerifyStarter implements OnModuleInit {
  constructor(
    private readonly jwks: JwksCache,
    private readonly store: RevocationStore,
  ) {}

  async onModuleInit(): Promise<void> {
    await Promise.all([this.jwks.start(), this.store.start()]);
  }
}

/** Providers of one module instance, with its own passport strategy name. */
function providers(): Provider[] {
  const name = nextStrategyName();
  return [
    JwksCache,
    RevocationStore,
    VerifiedTokenCache,
    TokenVerifier,
    { provide: AUTH_VERIFY_STRATEGY, useValue: name },
    createGatehouseJwtStrategy(name),
    PassportJwtGuard,
    AuthVerifyStarter,
    VerifierReadiness,
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    { provide: APP_GUARD, useClass: ScopesGuard },
  ];
}

/**
 * Protects a NestJS service with Gatehouse access tokens, verified locally.
 *
 * @example
 * \@Module({ imports: [AuthVerifyModule.forRoot({ issuer, audience: 'orders', jwksUri, natsUrl })] })
 * export class AppModule {}
 */
@Module({})
export class AuthVerifyModule {
  /**
   * @param options - issuer, audience, jwksUri, natsUrl (+ optional tuning)
   * @throws Error naming a missing or malformed option
   */
  static forRoot(options: AuthVerifyOptions): DynamicModule {
    return {
      module: AuthVerifyModule,
      global: true,
      imports: [PassportModule],
      providers: [{ provide: AUTH_VERIFY_OPTIONS, useValue: resolveOptions(options) }, ...providers()],
      exports: [JwksCache, RevocationStore, VerifierReadiness, TokenVerifier, PassportJwtGuard, AUTH_VERIFY_STRATEGY],
    };
  }

  /** Like {@link forRoot}, with options from a factory (e.g. validated config). */
  static forRootAsync(async: { imports?: DynamicModule['imports']; inject?: (string | symbol | (abstract new (...args: never[]) => unknown))[]; useFactory: (...args: never[]) => AuthVerifyOptions | Promise<AuthVerifyOptions> }): DynamicModule {
    return {
      module: AuthVerifyModule,
      global: true,
      imports: [PassportModule, ...(async.imports ?? [])],
      providers: [
        { provide: AUTH_VERIFY_OPTIONS, useFactory: async (...args: never[]) => resolveOptions(await async.useFactory(...args)), inject: async.inject ?? [] },
        ...providers(),
      ],
      exports: [JwksCache, RevocationStore, VerifierReadiness, TokenVerifier, PassportJwtGuard, AUTH_VERIFY_STRATEGY],
    };
  }
}
