import { AuthVerifyModule, VerifierReadiness } from '@gatehouse/auth-verify/nest';
import { databaseAnswers, Metrics, RuntimeModule, typeOrmRoot, type TypeOrmRootOptions } from '@gatehouse/service-runtime';
import type { DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { authVerifyOptionsFrom, type VerifierConfig } from './verifier-config';

/** What every Gatehouse resource service sets up, and how it differs from the next one. */
export interface ResourceServiceOptions {
  /** Service name (logs, metrics label, database application_name), e.g. `orders-service`. */
  service: string;
  /** Audience its tokens must carry, e.g. `orders`. */
  audience: string;
  /** The parsed environment: verifier variables plus `DATABASE_URL` and `NODE_ENV`. */
  config: VerifierConfig & { DATABASE_URL: string; NODE_ENV: string };
  logger: Logger;
  /** This service's TypeORM migrations, run at boot under `migrationLockId`. */
  migrations: TypeOrmRootOptions['migrations'];
  migrationLockId: number;
}

/**
 * The modules every resource service imports: TypeORM on its own database (migrations at boot),
 * token verification (`AuthVerifyModule`, refusals counted in `auth_verify_rejections_total`),
 * and the runtime (logger, metrics, health with `{ database, jwks, revocations }` readiness).
 *
 * @example
 * \@Module({}) export class AppModule { static forRoot(config, logger): DynamicModule {
 *   return { module: AppModule, imports: resourceServiceImports({ service: 'orders-service', audience: 'orders', config, logger, migrations, migrationLockId }), controllers: [OrdersController] };
 * } }
 */
export function resourceServiceImports(o: ResourceServiceOptions): NonNullable<DynamicModule['imports']> {
  return [
    typeOrmRoot({ url: o.config.DATABASE_URL, production: o.config.NODE_ENV === 'production', migrations: o.migrations, migrationLockId: o.migrationLockId, applicationName: o.service }),
    AuthVerifyModule.forRootAsync({
      inject: [Metrics],
      useFactory: (metrics: Metrics) => ({
        ...authVerifyOptionsFrom(o.config, o.audience),
        rejections: metrics.counter('auth_verify_rejections_total', 'Bearer tokens refused, by reason', ['reason']),
      }),
    }),
    RuntimeModule.forRoot({
      service: o.service,
      logger: o.logger,
      readiness: {
        useFactory: (ds: DataSource, verifier: VerifierReadiness) => ({
          check: async () => ({ database: await databaseAnswers(ds), ...verifier.check() }),
        }),
        inject: [DataSource, VerifierReadiness],
      },
    }),
  ];
}
