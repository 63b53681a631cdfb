import { availableParallelism } from 'node:os';
import type { EventLogger } from '@gatehouse/revocation-events';

/** Where rejections are counted: a prom-client `Counter<'reason'>` fits (`auth_verify_rejections_total`). */
export interface RejectionCounter {
  inc(labels: { reason: string }): void;
}

/** Options of a {@link GatehouseVerifier} (and of every adapter built on one). */
export interface VerifierOptions {
  /** Expected `iss`, e.g. `http://localhost:3000`. */
  issuer: string;
  /** This service's audience, e.g. `orders`. */
  audience: string;
  /** Where the issuer publishes its keys, e.g. `http://localhost:3000/.well-known/jwks.json`. */
  jwksUri: string;
  /** NATS with the `GATEHOUSE_EVENTS` stream, e.g. `nats://127.0.0.1:4222` (comma-separated for several servers). */
  natsUrl: string;
  /**
   * This service's NATS user and password (e.g. from `NATS_USER` / `NATS_PASSWORD`, a Secret).
   * Required by a production NATS (no anonymous access); without them the verifier connects
   * anonymously and logs a warning (a development NATS only).
   */
  natsCredentials?: { user: string; password: string };
  /** CA certificate (PEM file) the NATS servers' certificates are verified against, for `tls://` URLs. */
  natsTlsCaFile?: string;
  /**
   * Trust the replayed revocation state only once a checkpoint from auth-service in the stream
   * proves it complete, and fail closed again when the stream loses events (purge, re-creation);
   * default true. Set false only for a stream that no auth-service writes (a test fixture).
   */
  revocationCheckpoints?: boolean;
  /** Stream and subject prefix (tests use their own). */
  stream?: string;
  subjectPrefix?: string;
  /** Fail closed for user tokens after this long without contact with NATS (ms, default 30 000). */
  maxStalenessMs?: number;
  /** Minimum time between JWKS fetches caused by unknown kids (ms, default 30 000). */
  jwksCooldownMs?: number;
  /** JWKS fetch timeout (ms, default 3 000). */
  jwksTimeoutMs?: number;
  /** Periodic JWKS refresh (ms, default 300 000, the issuer's max-age). */
  jwksRefreshMs?: number;
  /** Clock tolerance for exp/nbf/iat (s, default 30). */
  leewaySeconds?: number;
  /** Verified tokens remembered until their exp (from their second verification on), so a reused token skips the RS256 verify (default 10 000; 0 disables). Revocations are still checked on every request. */
  verifiedTokenCacheSize?: number;
  /**
   * RSA checks of new tokens allowed on libuv's thread pool at once; beyond that (and with 0) the
   * event loop verifies inline, synchronously. Default: one per core (`availableParallelism()`);
   * on two cores that measured ahead of one (BENCHMARKS.md, row 8: Express and Nest cold). In a
   * pod whose CPU limit is below the node's core count set the limit (0 for a limit of 1: there
   * the hand-over to the pool costs the event loop more than the check).
   */
  poolVerifications?: number;
  /** A pino-style logger (default: JSON lines on stderr). Never receives tokens. */
  logger?: EventLogger;
  /** Counts refusals by reason (default: not counted). */
  rejections?: RejectionCounter;
}

/** Options with defaults applied. */
export type ResolvedVerifierOptions = Required<Omit<VerifierOptions, 'logger' | 'rejections' | 'natsCredentials' | 'natsTlsCaFile'>> &
  Pick<VerifierOptions, 'logger' | 'rejections' | 'natsCredentials' | 'natsTlsCaFile'>;

/**
 * Applies defaults and checks the options.
 *
 * @throws Error naming the bad option (never its value)
 */
export function resolveOptions(o: VerifierOptions): ResolvedVerifierOptions {
  for (const key of ['issuer', 'audience', 'jwksUri', 'natsUrl'] as const) {
    if (typeof o[key] !== 'string' || o[key].length === 0) throw new Error(`auth-verify: ${key} is required`);
  }
  if (!/^https?:\/\//.test(o.jwksUri)) throw new Error('auth-verify: jwksUri must be an http(s) URL');
  const creds = o.natsCredentials;
  if (o.poolVerifications !== undefined && (!Number.isSafeInteger(o.poolVerifications) || o.poolVerifications < 0)) {
    throw new Error('auth-verify: poolVerifications must be a whole number ≥ 0');
  }
  if (creds !== undefined && (typeof creds.user !== 'string' || creds.user.length === 0 || typeof creds.password !== 'string' || creds.password.length === 0)) {
    throw new Error('auth-verify: natsCredentials needs a user and a password');
  }
  return {
    stream: 'GATEHOUSE_EVENTS',
    subjectPrefix: 'gatehouse',
    maxStalenessMs: 30_000,
    jwksCooldownMs: 30_000,
    jwksTimeoutMs: 3_000,
    jwksRefreshMs: 300_000,
    leewaySeconds: 30,
    verifiedTokenCacheSize: 10_000,
    revocationCheckpoints: true,
    poolVerifications: availableParallelism(),
    ...o,
  };
}
