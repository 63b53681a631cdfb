import { AuthVerifyModule, JwksCache, Principal, Public, RevocationStore, Scopes, TokenVerifier, VerifierReadiness } from '@gatehouse/auth-verify/nest';
import type { AccessTokenClaims } from '@gatehouse/contracts';
import { createHttpApp, createLogger, RuntimeModule } from '@gatehouse/service-runtime';
import { Controller, Get, Module, Param, Query } from '@nestjs/common';
import { verify as rsaVerify } from 'node:crypto';
import { nowMs } from '../lib/stats';

/** What GET /orders answers in both twins: the same shape and size. */
interface OrdersBody {
  sub: string;
  orders: never[];
}

/**
 * The measured endpoint, twice: `GET /orders` behind the global auth-verify guard (with
 * `@Scopes('orders:read')`, as orders-service's) and `GET /public/orders` marked `@Public()`.
 * Same handler cost, so the ratio of their rps is the cost of verification.
 */
@Controller()
class OrdersTwinController {
  @Get('orders')
  @Scopes('orders:read')
  protectedOrders(@Principal() who: AccessTokenClaims): OrdersBody {
    return { sub: who.sub, orders: [] };
  }

  @Public()
  @Get('public/orders')
  publicOrders(): OrdersBody {
    return { sub: '00000000-0000-0000-0000-000000000000', orders: [] };
  }
}

/** Bench-only probes: revocation state size, the time each revocation event was applied, and the time spent in TokenVerifier.verify. */
@Controller('bench')
class BenchProbeController {
  private readonly applied: number[] = [];
  private verifyTimes: number[] = [];
  private rawTimes: number[] = [];
  private sampleRaw = false;
  private calls = 0;

  constructor(
    private readonly store: RevocationStore,
    verifier: TokenVerifier,
    jwks: JwksCache,
  ) {
    // Time every verification the guard asks for (wall time of a synchronous call on the one thread).
    // While `sampleRaw` is on (cold runs), every 4th request also times one bare crypto.verify of the
    // same token with the same key, in the same process under the same load: the raw cost side by
    // side with ours (its inputs are prepared outside the timed call).
    // The bare call runs before ours on half of the samples and after it on the other half, so
    // neither side is favoured by caches the other one warmed.
    const verify = verifier.verify.bind(verifier);
    verifier.verify = (raw: string) => {
      const sample = this.sampleRaw ? ++this.calls % 8 : -1;
      if (sample === 0) this.timeRawVerify(raw, jwks);
      const t0 = performance.now();
      try {
        return verify(raw);
      } finally {
        if (this.verifyTimes.length < 1_000_000) this.verifyTimes.push(performance.now() - t0);
        if (sample === 4) this.timeRawVerify(raw, jwks);
      }
    };
    // Hook the store: `applied++` runs once per event, right after it reached the state.
    let count = store.applied;
    const times = this.applied;
    Object.defineProperty(store, 'applied', {
      get: () => count,
      set: (v: number) => {
        count = v;
        if (times.length < 300_000) times.push(nowMs());
      },
    });
  }

  private timeRawVerify(raw: string, jwks: JwksCache): void {
    const dot = raw.lastIndexOf('.');
    const header = JSON.parse(Buffer.from(raw.slice(0, raw.indexOf('.')), 'base64url').toString('utf8')) as { kid?: string };
    const key = header.kid ? jwks.cached(header.kid) : null;
    if (!key) return;
    const data = Buffer.from(raw.slice(0, dot), 'latin1');
    const signature = Buffer.from(raw.slice(dot + 1), 'base64url');
    const t0 = performance.now();
    rsaVerify('sha256', data, key, signature);
    this.rawTimes.push(performance.now() - t0);
  }

  /** Turns the side-by-side raw verify sampling on or off (the bench turns it on for cold runs). */
  @Public() @Get('sample-raw/:on') setSampleRaw(@Param('on') on: string): { sampleRaw: boolean } {
    this.sampleRaw = on === 'on';
    return { sampleRaw: this.sampleRaw };
  }

  /** Live JS heap (MiB) after a full GC when the process runs with --expose-gc (row 6), else without one. */
  @Public() @Get('live-heap') liveHeap(): { heapUsedMiB: number; collected: boolean } {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    return { heapUsedMiB: process.memoryUsage().heapUsed / 2 ** 20, collected: gc !== undefined };
  }

  @Public() @Get('state') state(): { applied: number; size: number; caughtUp: boolean } {
    return { applied: this.store.applied, size: this.store.size, caughtUp: this.store.caughtUp };
  }

  /** Median and mean time (µs) of the verifications (and of the sampled raw verifies) since the last call; starts a new window. */
  @Public() @Get('verify-times') verifyStats(): { n: number; medianUs: number; meanUs: number; rawN: number; rawMedianUs: number } {
    const times = this.verifyTimes;
    const raws = this.rawTimes;
    this.verifyTimes = [];
    this.rawTimes = [];
    const med = (xs: number[]) => (xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN) * 1000;
    const mean = times.reduce((s, t) => s + t, 0) / Math.max(1, times.length);
    return { n: times.length, medianUs: med(times), meanUs: mean * 1000, rawN: raws.length, rawMedianUs: med(raws) };
  }

  /** Apply time (epoch ms) of every event since boot, in stream order (the first 300,000), from index `from`. */
  @Public() @Get('applied') appliedTimes(@Query('from') from?: string): { times: number[] } {
    const start = Number(from ?? 0);
    return { times: Number.isSafeInteger(start) && start > 0 ? this.applied.slice(start) : this.applied };
  }
}

/** Entry of the `verifier` role: a resource service on auth-verify + service-runtime, like orders-service. */
export async function verifierRole(env: NodeJS.ProcessEnv): Promise<void> {
  const need = (k: string) => {
    const v = env[k];
    if (!v) throw new Error(`verifier: ${k} is required`);
    return v;
  };
  const logger = createLogger('bench-verifier', 'warn');
  @Module({
    imports: [
      AuthVerifyModule.forRoot({
        issuer: need('ISSUER'),
        audience: 'orders',
        jwksUri: need('JWKS_URI'),
        natsUrl: need('NATS_URL'),
        ...(env['EVENTS_STREAM'] ? { stream: env['EVENTS_STREAM'] } : {}),
        ...(env['EVENTS_SUBJECT_PREFIX'] ? { subjectPrefix: env['EVENTS_SUBJECT_PREFIX'] } : {}),
      }),
      RuntimeModule.forRoot({
        service: 'bench-verifier',
        logger,
        readiness: { useFactory: (verifier: VerifierReadiness) => ({ check: () => Promise.resolve(verifier.check()) }), inject: [VerifierReadiness] },
      }),
    ],
    controllers: [OrdersTwinController, BenchProbeController],
  })
  class BenchVerifierModule {}
  const app = await createHttpApp(BenchVerifierModule, { logger, bodyLimitBytes: 16384, trustProxy: false });
  await app.listen({ port: Number(need('PORT')), host: '127.0.0.1' });
}
