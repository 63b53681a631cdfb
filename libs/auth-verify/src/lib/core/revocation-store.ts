import type { AccessTokenClaims } from '@gatehouse/contracts';
import { connectNats, EventConsumer, type EventLogger, type NatsAccess } from '@gatehouse/revocation-events';
import type { NatsConnection } from 'nats';
import { JwksCache } from './jwks-cache';
import { RevocationState, type RevocationReason } from './revocation-state';
import type { ResolvedVerifierOptions } from './verifier-options';

const SWEEP_MS = 10_000;
const RETRY_MS = 1_000;

/** What the store says about a verified token. */
export type RevocationVerdict = { ok: true } | { ok: false; reason: RevocationReason } | { ok: false; reason: 'stale' };

const OK: RevocationVerdict = Object.freeze({ ok: true });
const STALE: RevocationVerdict = Object.freeze({ ok: false, reason: 'stale' });

/**
 * Follows `GATEHOUSE_EVENTS`: replays it from the start at boot, then live, into a
 * {@link RevocationState}. Until caught up, and whenever NATS has been out of touch for longer
 * than `maxStalenessMs`, it fails closed ('stale') — for every token before catch-up, for user
 * tokens afterwards (service tokens are short-lived and carry no session to log out).
 * Reconnects and resumes by itself; a `keys.rotated` event refreshes the JWKS.
 *
 * With `revocationCheckpoints` (the default) the state also counts as stale — user tokens 503,
 * readiness false — until a checkpoint from auth-service proves the replay complete, and again
 * whenever the stream is found to have lost events, until auth-service has restored them.
 */
export class RevocationStore {
  private readonly state = new RevocationState();
  private nc: NatsConnection | null = null;
  private consumer: EventConsumer | null = null;
  private sweeper: NodeJS.Timeout | null = null;
  private retry: NodeJS.Timeout | null = null;
  private stopped = false;
  private warnedAnonymous = false;
  /** Events applied, for tests and metrics. */
  applied = 0;

  constructor(
    private readonly options: Pick<ResolvedVerifierOptions, 'natsUrl' | 'natsCredentials' | 'natsTlsCaFile' | 'revocationCheckpoints' | 'audience' | 'stream' | 'subjectPrefix' | 'maxStalenessMs'>,
    private readonly jwks: JwksCache,
    private readonly logger: EventLogger,
  ) {}

  /** Starts following the stream in the background; resolves once the first attempt is done. */
  async start(): Promise<void> {
    this.sweeper = setInterval(() => this.state.sweep(Math.floor(Date.now() / 1000)), SWEEP_MS);
    this.sweeper.unref();
    await this.connect();
  }

  /** True once the replay has reached the end of the stream as it was at start. */
  get caughtUp(): boolean {
    return this.consumer?.caughtUp ?? false;
  }

  /** True when the replayed state is known to be complete (see `revocationCheckpoints`). */
  get trusted(): boolean {
    return this.consumer?.trusted ?? false;
  }

  /** True when NATS has not been heard from within `maxStalenessMs`. */
  get stale(): boolean {
    return !this.inTouch(Date.now());
  }

  /** Whether NATS was heard from within `maxStalenessMs` before `nowMs`. */
  private inTouch(nowMs: number): boolean {
    return nowMs - (this.consumer?.lastContactAt?.getTime() ?? 0) <= this.options.maxStalenessMs;
  }

  /** Revocation entries held in memory. */
  get size(): number {
    return this.state.size;
  }

  /** Whether verified `claims` may be honoured now. */
  verdict(claims: AccessTokenClaims): RevocationVerdict {
    if (!this.current(claims, Date.now())) return STALE;
    const reason = this.state.check(claims);
    return reason ? { ok: false, reason } : OK;
  }

  /**
   * Whether the state is current enough to judge `claims` at `nowMs`: caught up, and for a user
   * token (`sid`) also in touch with NATS and trusted. Otherwise their verdict is 'stale'.
   */
  current(claims: Pick<AccessTokenClaims, 'sid'>, nowMs: number): boolean {
    const consumer = this.consumer;
    if (!consumer?.caughtUp) return false;
    if (claims.sid === undefined) return true;
    return consumer.trusted && this.inTouch(nowMs);
  }

  /** Changes whenever an event adds to the state: a verdict of "not revoked" holds while this is unchanged (and the state {@link current}). */
  get version(): number {
    return this.state.version;
  }

  /** Resolves true once caught up (or false after `timeoutMs`). */
  async waitUntilCaughtUp(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.consumer && Date.now() < deadline && !this.stopped) await new Promise((r) => setTimeout(r, 20));
    return this.consumer ? this.consumer.waitForCatchUp(Math.max(0, deadline - Date.now())) : false;
  }

  /** Stops following the stream and drains the NATS connection. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.sweeper) clearInterval(this.sweeper);
    if (this.retry) clearTimeout(this.retry);
    await this.consumer?.stop().catch(() => undefined);
    await this.nc?.drain().catch(() => undefined);
  }

  private access(): NatsAccess {
    const creds = this.options.natsCredentials;
    if (!creds && !this.warnedAnonymous) {
      this.warnedAnonymous = true;
      this.logger.warn({ audience: this.options.audience }, 'connecting to NATS without credentials: acceptable for a development NATS only');
    }
    return { user: creds?.user, password: creds?.password, tlsCaFile: this.options.natsTlsCaFile };
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    try {
      const access = this.access();
      this.nc ??= await connectNats(this.options.natsUrl, `verifier-${this.options.audience}`, access);
      const consumer = new EventConsumer(
        this.nc,
        (event, meta) => {
          this.applied++;
          if (event.subject === 'gatehouse.keys.rotated') {
            this.jwks.retain(event.payload.kids, meta.time);
            this.jwks.refresh().catch(() => undefined);
          } else {
            this.state.apply(event);
          }
        },
        { stream: this.options.stream, prefix: this.options.subjectPrefix, requireCheckpoint: this.options.revocationCheckpoints, fastPathPeer: { url: this.options.natsUrl, name: `verifier-${this.options.audience}-fast`, access }, probeIntervalMs: Math.max(250, Math.floor(this.options.maxStalenessMs / 4)), logger: this.logger },
      );
      await consumer.start();
      this.consumer = consumer;
    } catch (err) {
      this.logger.warn({ err: err instanceof Error ? err.message : 'error' }, 'revocation stream unavailable; retrying');
      this.retry = setTimeout(() => {
        this.connect().catch(() => undefined);
      }, RETRY_MS);
      this.retry.unref();
    }
  }
}

