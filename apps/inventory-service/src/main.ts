import 'reflect-metadata';
import { ConfigError, createLogger } from '@gatehouse/service-runtime';
import { createInventoryApp } from './app/create-app';
import { loadConfig } from './app/config.schema';

/** Starts inventory-service. */
async function bootstrap(): Promise<void> {
  const config = loadConfig(process.env);
  const log = createLogger('inventory-service', config.LOG_LEVEL);
  const app = await createInventoryApp(config, log);
  await app.listen({ port: config.PORT, host: config.HOST });
  log.info({ port: config.PORT }, 'inventory-service listening');
}

bootstrap().catch((err: unknown) => {
  process.stderr.write(`inventory-service: ${err instanceof ConfigError || err instanceof Error ? err.message : 'failed to start'}\n`);
  process.exit(1);
});
