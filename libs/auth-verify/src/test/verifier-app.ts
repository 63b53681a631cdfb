import { createHttpApp, createLogger, Metrics, Public, RuntimeModule } from '@gatehouse/service-runtime';
import type { AccessTokenClaims } from '@gatehouse/contracts';
import { Controller, Get, Module, UseGuards } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { actorsOf, AuthVerifyModule, Delegation, PassportJwtGuard, Principal, RequireFactor, RevocationStore, Scopes, type AuthVerifyOptions } from '../nest';

@Controller()
class ProbeController {
  @Public() @Get('open') open(): { ok: true } {
    return { ok: true };
  }
  @Get('me') me(@Principal() who: AccessTokenClaims): { sub: string } {
    return { sub: who.sub };
  }
  /** The same protection through @nestjs/passport and the passport-jwt strategy. */
  @Public() @UseGuards(PassportJwtGuard) @Get('via-passport') viaPassport(@Principal() who: AccessTokenClaims): { sub: string } {
    return { sub: who.sub };
  }
  @Scopes('orders:read') @Get('read') read(@Principal() who: AccessTokenClaims): { sub: string } {
    return { sub: who.sub };
  }
  @Scopes('orders:write') @Get('write') write(): { ok: true } {
    return { ok: true };
  }
  @Delegation({ require: true, actors: ['orders-service'] }) @Get('delegated') delegated(@Principal() who: AccessTokenClaims): { sub: string; actors: string[] } {
    return { sub: who.sub, actors: actorsOf(who) };
  }
  @Delegation({ forbid: true }) @Get('direct') direct(): { ok: true } {
    return { ok: true };
  }
  @RequireFactor() @Get('step-up') stepUp(@Principal() who: AccessTokenClaims): { sub: string } {
    return { sub: who.sub };
  }
  @Scopes('orders:write') @RequireFactor('hwk') @Get('hardware') hardware(): { ok: true } {
    return { ok: true };
  }
}

/** A minimal service protected by AuthVerifyModule, listening on an ephemeral loopback port. */
export async function startVerifierApp(options: AuthVerifyOptions): Promise<{ app: NestFastifyApplication; url: string; store: RevocationStore }> {
  const logger = createLogger('verifier-test', 'silent');
  @Module({
    imports: [
      RuntimeModule.forRoot({ service: 'verifier-test', logger, readiness: { useFactory: () => ({ check: async () => ({}) }) } }),
      // Refusals counted in the app's registry, as resource services wire it.
      AuthVerifyModule.forRootAsync({
        inject: [Metrics],
        useFactory: (metrics: Metrics) => ({ ...options, rejections: metrics.counter('auth_verify_rejections_total', 'Bearer tokens refused, by reason', ['reason']) }),
      }),
    ],
    controllers: [ProbeController],
  })
  class VerifierTestModule {}
  const app = await createHttpApp(VerifierTestModule, { logger, bodyLimitBytes: 16384, trustProxy: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url: await app.getUrl(), store: app.get(RevocationStore) };
}
