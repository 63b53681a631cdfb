import { Controller, Get, Header, Inject, Res, ServiceUnavailableException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Metrics } from './metrics';
import { Public } from './public.decorator';

/** What `/health/ready` asks: each named dependency answers true when usable. */
export interface ReadinessProbe {
  check(): Promise<Record<string, boolean>>;
}

/** DI token of the app's {@link ReadinessProbe}. */
export const READINESS_PROBE = Symbol('READINESS_PROBE');

/** `/health/live`, `/health/ready` and `/metrics`: the three endpoints every service has. */
@Public()
@Controller()
export class HealthController {
  constructor(
    @Inject(READINESS_PROBE) private readonly probe: ReadinessProbe,
    private readonly metrics: Metrics,
  ) {}

  @Get('health/live')
  @Header('cache-control', 'no-store')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('health/ready')
  @Header('cache-control', 'no-store')
  async ready(): Promise<{ status: 'ok'; checks: Record<string, boolean> }> {
    let checks: Record<string, boolean>;
    try {
      checks = await this.probe.check();
    } catch {
      checks = { probe: false };
    }
    if (!Object.values(checks).every(Boolean)) {
      throw new ServiceUnavailableException({ status: 'unavailable', checks });
    }
    return { status: 'ok', checks };
  }

  @Get('metrics')
  async scrape(@Res() reply: FastifyReply): Promise<void> {
    const body = await this.metrics.registry.metrics();
    await reply.header('content-type', this.metrics.registry.contentType).send(body);
  }
}
