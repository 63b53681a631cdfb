import { AuthVerifyModule, JwksCache, Principal, Public, RevocationStore, Scopes, TokenVerifier, VerifierReadiness } from '@gatehouse/auth-verify/nest';
import type { AccessTokenClaims, GatehouseEvent } from '@gatehouse/contracts';
import { createHttpApp, createLogger, RuntimeModule } from '@gatehouse/service-runtime';
import { Controller, createParamDecorator, Get, Module, Param, Query, type ExecutionContext } from '@nestjs/common';
import { verify as rsaVerify } from 'node:crypto';
import { nowMs } from '../lib/stats';

/** What GET /orders answers in both twins: the same shape and size. */
interface OrdersBody {
  sub: string;
  orders: never[];
}

/**
 * The public twin's parameter: a custom parameter decorator built like `@Principal()` (Nest
 * resolves both the same way, through its pipes), reading `request.user`, which no guard set here.
 */
const Anonymous = createParamDecorator((_: unknown, ctx: ExecutionContext): AccessTokenClaims | null => ctx.switchToHttp().getRequest<{ user?: AccessTokenClaims }>().user ?? null);

/**
 * The measured endpoint, twice: `GET /orders` behind the global auth-verify guard (with
 * `@Scopes('orders:read')`, as orders-service's) and `GET /public/orders` marked `@Public()`.
 * Same handler cost (each takes one custom parameter decorator: `@Principal()` and its twin
 * `@Anonymous()`), so the ratio of their rps is the cost of verification.
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
  publicOrders(@Anonymous() who: AccessTokenClaims | null): OrdersBody {
    return { sub: who?.sub ?? '00000000-0000-0000-0000-000000000000', orders: [] };
  }
}

/** Median of `xs` (sorts it), NaN when empty. */
function med(xs: number[]): number {
  return xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
}

/** What `/bench/verify-times` answers (see {@link BenchProbeController.verifyStats}). */
export interface VerifyStats {
  n: number;
  medianUs: number;
  loopMedianUs: number;
  pooledN: number;
  rawN: number;
  rawMedianUs: number;
  /** Ours timed right after a bare verify of the same token, and bare verifies timed right after ours (µs, medians). */
  second: { n: number; medianUs: number; rawMedianUs: number };
}

/** Bench-only probes: revocation state size, the time each revocation event was applied, and the time spent in TokenVerifier.verify. */
@Controller('bench')
class BenchProbeController {
  private readonly applied: number[] = [];
  /** While recording (row 5 sustained): when each revoked token's event reached the state, by jti. */
  private revokedTimes: Map<string, number> | null = null;
  private verifyTimes: number[] = [];
  /** Event-loop time of verifications whose RSA check went to the pool (call + accept). */
  private pooledTimes: number[] = [];
  /** Calls whose RSA check is on the pool: their synchronous part so far. */
  private readonly pooled = new Map<string, number>();
  /** Bare crypto.verify samples timed before ours in their request (the first RSA operation of the request, as ours is otherwise). */
  private rawTimes: number[] = [];
  /** Bare samples timed right after ours, and ours right after a bare one: each with caches warm from the other. */
  private rawSecondTimes: number[] = [];
  private verifySecondTimes: number[] = [];
  private sampleRaw = false;
  private calls = 0;
  private readonly timed: TokenVerifier['verify'];
  private readonly verifier: TokenVerifier;

  constructor(
    private readonly store: RevocationStore,
    verifier: TokenVerifier,
    jwks: JwksCache,
  ) {
    // Time the event-loop work of every verification the guard asks for: the synchronous call
    // (a cache hit is all of it; a new token is parsed and its RSA check handed to the thread
    // pool, or done inline when the pool has no room) and, for a token checked on the pool, the
    // claims/revocation step that runs when the check returns (`accept`). The RSA operation on
    // the pool is counted as the bare crypto.verify timed beside it: while `sampleRaw` is on (cold
    // runs), every 4th request also times one bare crypto.verify of the same token with the same
    // key, in the same process under the same load (its inputs prepared outside the timed call),
    // before ours on half of the samples and after it on the other half. The two are compared in
    // the same position: a verification is the first RSA operation of its request, so ours (all
    // but those that follow a sample) is compared with the samples timed before ours; one that
    // follows the other's RSA check of the same token and key runs on caches warm from it (about
    // 10 µs faster here), and those pairs are reported apart.
    // Installed only while a run is timed (`/bench/probe/timed|cold`): in the measured warm and
    // public runs the guard calls TokenVerifier.verify itself, so the probe's clock reads are not
    // counted as verification in their rps.
    const verify = verifier.verify.bind(verifier);
    let inVerify = false;
    let acceptedInline = false;
    this.timed = (raw: string) => {
      const sample = this.sampleRaw ? ++this.calls % 8 : -1;
      if (sample === 0) this.rawTimes.push(this.timeRawVerify(raw, jwks));
      const t0 = performance.now();
      let result: ReturnType<TokenVerifier['verify']> | undefined;
      inVerify = true;
      acceptedInline = false;
      try {
        result = verify(raw);
        return result;
      } finally {
        inVerify = false;
        const t = performance.now() - t0;
        // A promise whose claims step already ran inside the call was verified inline (its time is all here).
        if (result instanceof Promise && !acceptedInline && this.pooled.size < 100_000 && !this.pooled.has(raw)) this.pooled.set(raw, t);
        else if (sample === 0) this.verifySecondTimes.push(t);
        else if (this.verifyTimes.length < 1_000_000) this.verifyTimes.push(t);
        if (sample === 4) this.rawSecondTimes.push(this.timeRawVerify(raw, jwks));
      }
    };
    this.verifier = verifier;
    const inner = verifier as unknown as { accept(raw: string, jws: unknown): unknown };
    const accept = inner.accept.bind(verifier);
    inner.accept = (raw: string, jws: unknown) => {
      if (inVerify) {
        acceptedInline = true;
        return accept(raw, jws); // inline: part of the synchronous call's time
      }
      const t0 = performance.now();
      try {
        return accept(raw, jws);
      } finally {
        const before = this.pooled.get(raw);
        this.pooled.delete(raw);
        if (before !== undefined) this.pooledTimes.push(before + performance.now() - t0);
      }
    };
    // Hook the state: the time each token revocation reached it, by jti, while recording (bounded).
    const state = (store as unknown as { state: { apply(event: GatehouseEvent): void } }).state;
    const apply = state.apply.bind(state);
    state.apply = (event: GatehouseEvent) => {
      apply(event);
      if (this.revokedTimes && event.subject === 'gatehouse.revoked.token' && this.revokedTimes.size < 100_000) this.revokedTimes.set(event.payload.jti, nowMs());
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

  /** Times one bare crypto.verify of `raw` with its key (ms; NaN when the key is not cached, left out of the medians). */
  private timeRawVerify(raw: string, jwks: JwksCache): number {
    const dot = raw.lastIndexOf('.');
    const header = JSON.parse(Buffer.from(raw.slice(0, raw.indexOf('.')), 'base64url').toString('utf8')) as { kid?: string };
    const key = header.kid ? jwks.cached(header.kid) : null;
    if (!key) return Number.NaN;
    const data = Buffer.from(raw.slice(0, dot), 'latin1');
    const signature = Buffer.from(raw.slice(dot + 1), 'base64url');
    const t0 = performance.now();
    rsaVerify('sha256', data, key, signature);
    return performance.now() - t0;
  }

  /**
   * What the next run records: `off` nothing (TokenVerifier.verify unwrapped), `timed` every
   * verification's event-loop time, `cold` that plus the side-by-side bare crypto.verify samples.
   */
  @Public() @Get('probe/:mode') setProbe(@Param('mode') mode: string): { mode: string } {
    this.sampleRaw = mode === 'cold';
    if (mode === 'timed' || mode === 'cold') this.verifier.verify = this.timed;
    else Reflect.deleteProperty(this.verifier, 'verify');
    return { mode };
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

  /**
   * Since the last call (then a new window): the verifications' cost (µs, median): event-loop
   * time, plus for a check that ran on the pool the median bare verify beside it; the event-loop
   * part alone; how many went to the pool; the median of the bare verifies timed first in their
   * request; and the pair timed second (ours right after a bare one, a bare one right after ours).
   */
  @Public() @Get('verify-times') verifyStats(): VerifyStats {
    const inline = this.verifyTimes;
    const pooled = this.pooledTimes;
    const raws = this.rawTimes.filter((t) => !Number.isNaN(t));
    const second = { n: this.verifySecondTimes.length, medianUs: med(this.verifySecondTimes) * 1000, rawMedianUs: med(this.rawSecondTimes.filter((t) => !Number.isNaN(t))) * 1000 };
    this.verifyTimes = [];
    this.pooledTimes = [];
    this.rawTimes = [];
    this.rawSecondTimes = [];
    this.verifySecondTimes = [];
    const rsa = med(raws);
    const loop = [...inline, ...pooled];
    const cost = [...inline, ...pooled.map((t) => t + (Number.isNaN(rsa) ? 0 : rsa))];
    return { n: loop.length, medianUs: med(cost) * 1000, loopMedianUs: med(loop) * 1000, pooledN: pooled.length, rawN: raws.length, rawMedianUs: rsa * 1000, second };
  }

  /** Starts recording when each token revocation reaches the state (forgets earlier ones). */
  @Public() @Get('revoked-times/start') startRevokedTimes(): { recording: true } {
    this.revokedTimes = new Map();
    return { recording: true };
  }

  /** What was recorded since `revoked-times/start` ({@link nowMs} by jti), and stops recording. */
  @Public() @Get('revoked-times') takeRevokedTimes(): { times: Record<string, number> } {
    const times = Object.fromEntries(this.revokedTimes ?? []);
    this.revokedTimes = null;
    return { times };
  }

  /** Apply time ({@link nowMs}: monotonic ms, comparable with the loader's) of every event since boot, in stream order (the first 300,000), from index `from`. */
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
