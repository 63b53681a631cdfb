import { AuthVerifyModule, Principal, RevocationStore, type AuthVerifyOptions } from '@gatehouse/auth-verify/nest';
import type { AccessTokenClaims } from '@gatehouse/contracts';
import { createHttpApp, createLogger, RuntimeModule } from '@gatehouse/service-runtime';
import { Controller, Get, Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

@Controller()
class MeController {
  @Get('me') me(@Principal() who: AccessTokenClaims): { sub: string } {
    return { sub: who.sub };
  }
}

/**
 * A stand-in for orders-service: a resource server that verifies tokens only through
 * `@gatehouse/auth-verify` (JWKS + revocation events from JetStream), never by asking auth-service.
 */
export async function startResourceServer(options: AuthVerifyOptions): Promise<{ url: string; close(): Promise<void> }> {
  const logger = createLogger('orders-stand-in', 'silent');
  @Module({
    imports: [
      RuntimeModule.forRoot({ service: 'orders-stand-in', logger, readiness: { useFactory: () => ({ check: async () => ({}) }) } }),
      AuthVerifyModule.forRoot(options),
    ],
    controllers: [MeController],
  })
  class ResourceServerModule {}
  const app: NestFastifyApplication = await createHttpApp(ResourceServerModule, { logger, bodyLimitBytes: 16384, trustProxy: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  if (!(await app.get(RevocationStore).waitUntilCaughtUp(10_000))) {
    await app.close();
    throw new Error('resource server did not catch up with the event stream');
  }
  return { url: await app.getUrl(), close: () => app.close() };
}

/** {@link startResourceServer} for auth-service `svc` on its test stream (audience `orders`). */
export function startResourceServerFor(svc: { url: string; config: { ISSUER: string; NATS_URL: string } }, stream: { stream: string; prefix: string }): Promise<{ url: string; close(): Promise<void> }> {
  return startResourceServer({
    issuer: svc.config.ISSUER,
    audience: 'orders',
    jwksUri: `${svc.url}/.well-known/jwks.json`,
    natsUrl: svc.config.NATS_URL,
    stream: stream.stream,
    subjectPrefix: stream.prefix,
  });
}
