import { createHttpApp, createLogger, tlsFrom } from '@gatehouse/service-runtime';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { AppModule } from './app.module';
import type { AuthConfig } from './config/config.schema';
import { resolveKeyEncryptionKey } from './config/key-encryption-key';

/**
 * Builds auth-service (database created and migrated, keys loaded) without listening.
 * Tests use this with their own database; main.ts adds `listen`.
 */
export async function createAuthApp(config: AuthConfig, logger?: Logger): Promise<NestFastifyApplication> {
  const log = logger ?? createLogger('auth-service', config.LOG_LEVEL);
  const kek = resolveKeyEncryptionKey(config);
  if (kek.devFile) {
    log.warn({ file: kek.devFile }, 'KEY_ENCRYPTION_KEY not set: using a development key file (never do this in production)');
  }
  return createHttpApp(AppModule.forRoot({ config, logger: log, kek: kek.key }), {
    logger: log,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    trustProxy: config.TRUST_PROXY,
    ...tlsFrom(config),
  });
}
