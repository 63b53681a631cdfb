import { type DynamicModule, type InjectionToken, Module, type OptionalFactoryDependency, type Provider, type Type } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { Logger } from 'pino';
import { GatehouseExceptionFilter } from './error-filter';
import { HealthController, READINESS_PROBE, type ReadinessProbe } from './health.controller';
import { Metrics } from './metrics';

/** DI token of the service's pino logger. */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/** Options of {@link RuntimeModule.forRoot}. */
export interface RuntimeModuleOptions {
  service: string;
  logger: Logger;
  /** How to build the readiness probe: a class, or a factory with injected dependencies. */
  readiness:
    | { useClass: Type<ReadinessProbe> }
    | { useFactory: (...deps: never[]) => ReadinessProbe; inject?: (InjectionToken | OptionalFactoryDependency)[] };
}

/**
 * Health, metrics, logging and the single exception filter, shared by every service.
 *
 * @example RuntimeModule.forRoot({ service: 'orders-service', logger, readiness: { useFactory: () => probe } })
 */
@Module({})
export class RuntimeModule {
  static forRoot(options: RuntimeModuleOptions): DynamicModule {
    const readiness = { ...options.readiness, provide: READINESS_PROBE } as Provider;
    return {
      module: RuntimeModule,
      global: true,
      controllers: [HealthController],
      providers: [
        { provide: ROOT_LOGGER, useValue: options.logger },
        { provide: Metrics, useValue: new Metrics(options.service) },
        { provide: APP_FILTER, useFactory: (log: Logger) => new GatehouseExceptionFilter(log), inject: [ROOT_LOGGER] },
        readiness,
      ],
      exports: [ROOT_LOGGER, Metrics],
    };
  }
}
