import { createHttpApp, createLogger, tlsFrom } from '@gatehouse/service-runtime';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { AppModule } from './app.module';
import type { OrdersConfig } from './config.schema';

/** Builds orders-service without listening (tests and main.ts). */
export function createOrdersApp(config: OrdersConfig, logger?: Logger): Promise<NestFastifyApplication> {
  const log = logger ?? createLogger('orders-service', config.LOG_LEVEL);
  return createHttpApp(AppModule.forRoot(config, log), { logger: log, bodyLimitBytes: config.BODY_LIMIT_BYTES, trustProxy: config.TRUST_PROXY, ...tlsFrom(config) });
}
