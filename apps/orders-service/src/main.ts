import 'reflect-metadata';
import { ConfigError, createLogger } from '@gatehouse/service-runtime';
import { createOrdersApp } from './app/create-app';
import { loadConfig } from './app/config.schema';

/** Starts orders-service. */
async function bootstrap(): Promise<void> {
  const config = loadConfig(process.env);
  const log = createLogger('orders-service', config.LOG_LEVEL);
  const app = await createOrdersApp(config, log);
  await app.listen({ port: config.PORT, host: config.HOST });
  log.info({ port: config.PORT }, 'orders-service listening');
}

bootstrap().catch((err: unknown) => {
  process.stderr.write(`orders-service: ${err instanceof ConfigError || err instanceof Error ? err.message : 'failed to start'}\n`);
  process.exit(1);
});
