import { type DynamicModule, Inject, Injectable, Module, type OnApplicationShutdown, type OnModuleInit, type Provider } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, HttpAdapterHost } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { GatehouseVerifier } from '../core/gatehouse-verifier';
import { JwksCache } from '../core/jwks-cache';
import { RevocationStore } from '../core/revocation-store';
import { TokenVerifier } from '../core/token-verifier';
import { AUTH_VERIFY_STRATEGY, type AuthVerifyOptions } from './auth-verify.tokens';
import { createGatehouseJwtStrategy, nextStrategyName } from './gatehouse-jwt.strategy';
import { JwtAuthGuard, PassportJwtGuard } from './guards';
import { nestEventLogger } from './nest-logger';
import { RefusalFilter } from './refusal.filter';
import { VerifierReadiness } from './verifier-readiness';

/** The part of a Fastify instance used to declare `request.user`. */
interface RequestDecorating {
  decorateRequest(name: string, value: null): unknown;
  hasRequestDecorator(name: string): boolean;
}

function isRequestDecorating(instance: unknown): instance is RequestDecorating {
  const i = instance as Partial<RequestDecorating> | null | undefined;
  return typeof i?.decorateRequest === 'function' && typeof i.hasRequestDecorator === 'function';
}

/**
 * Starts the core with the module and stops it with the application. On Fastify it declares
 * `request.user` (null) before the server starts, as Fastify asks of anything that adds a request
 * property: the guard's assignment then keeps every request object in one shape, where adding the
 * property per request gave Fastify's own request code a second shape to handle on every route.
 */
@Injectable()
class AuthVerifyLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(GatehouseVerifier) private readonly verifier: GatehouseVerifier,
    @Inject(HttpAdapterHost) private readonly host: HttpAdapterHost,
  ) {}

  onModuleInit(): Promise<void> {
    const instance: unknown = this.host.httpAdapter?.getInstance();
    try {
      if (isRequestDecorating(instance) && !instance.hasRequestDecorator('user')) instance.decorateRequest('user', null);
    } catch {
      // Fastify refuses decorators once it has started (an app initialised after listen): only the shape optimisation is lost.
    }
    return this.verifier.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.verifier.stop();
  }
}

const EXPORTS = [GatehouseVerifier, JwksCache, RevocationStore, VerifierReadiness, TokenVerifier, PassportJwtGuard, AUTH_VERIFY_STRATEGY];

function createVerifier(options: AuthVerifyOptions): GatehouseVerifier {
  return new GatehouseVerifier({ logger: nestEventLogger('AuthVerify'), ...options });
}

/** Providers of one module instance around `verifier`, with its own passport strategy name. */
function providers(verifier: Provider): Provider[] {
  const name = nextStrategyName();
  const part = <T>(token: abstract new (...args: never[]) => T, pick: (v: GatehouseVerifier) => T): Provider => ({ provide: token, useFactory: pick, inject: [GatehouseVerifier] });
  return [
    verifier,
    part(JwksCache, (v) => v.jwks),
    part(RevocationStore, (v) => v.revocations),
    part(TokenVerifier, (v) => v.tokens),
    { provide: AUTH_VERIFY_STRATEGY, useValue: name },
    createGatehouseJwtStrategy(name),
    PassportJwtGuard,
    AuthVerifyLifecycle,
    VerifierReadiness,
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    { provide: APP_FILTER, useClass: RefusalFilter },
  ];
}

/**
 * Protects a NestJS service with Gatehouse access tokens, verified locally: a global guard
 * (everything protected unless `@Public()`), `@Scopes(...)`, `@Delegation(...)`, `@Principal()`, readiness.
 *
 * @example
 * \@Module({ imports: [AuthVerifyModule.forRoot({ issuer, audience: 'orders', jwksUri, natsUrl })] })
 * export class AppModule {}
 */
@Module({})
export class AuthVerifyModule {
  /**
   * @param options - issuer, audience, jwksUri, natsUrl (+ optional tuning, logger, rejection counter)
   * @throws Error naming a missing or malformed option
   */
  static forRoot(options: AuthVerifyOptions): DynamicModule {
    const verifier = createVerifier(options);
    return {
      module: AuthVerifyModule,
      global: true,
      imports: [PassportModule],
      providers: providers({ provide: GatehouseVerifier, useValue: verifier }),
      exports: EXPORTS,
    };
  }

  /** Like {@link forRoot}, with options from a factory (e.g. validated config and the app's metrics). */
  static forRootAsync(async: { imports?: DynamicModule['imports']; inject?: (string | symbol | (abstract new (...args: never[]) => unknown))[]; useFactory: (...args: never[]) => AuthVerifyOptions | Promise<AuthVerifyOptions> }): DynamicModule {
    return {
      module: AuthVerifyModule,
      global: true,
      imports: [PassportModule, ...(async.imports ?? [])],
      providers: providers({ provide: GatehouseVerifier, useFactory: async (...args: never[]) => createVerifier(await async.useFactory(...args)), inject: async.inject ?? [] }),
      exports: EXPORTS,
    };
  }
}
