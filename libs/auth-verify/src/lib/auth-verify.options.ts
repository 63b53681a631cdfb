/** Options of `AuthVerifyModule.forRoot`. */
export interface AuthVerifyOptions {
  /** Expected `iss`, e.g. `http://localhost:3000`. */
  issuer: string;
  /** This service's audience, e.g. `orders`. */
  audience: string;
  /** Where the issuer publishes its keys, e.g. `http://localhost:3000/.well-known/jwks.json`. */
  jwksUri: string;
  /** NATS with the `GATEHOUSE_EVENTS` stream, e.g. `nats://127.0.0.1:4222`. */
  natsUrl: string;
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
  /** Verified tokens remembered until their exp, so a reused token skips the RS256 verify (default 10 000; 0 disables). Revocations are still checked on every request. */
  verifiedTokenCacheSize?: number;
}

/** Options with defaults applied. */
export type ResolvedAuthVerifyOptions = Required<AuthVerifyOptions>;

/** DI token of the resolved options. */
export const AUTH_VERIFY_OPTIONS = Symbol('AUTH_VERIFY_OPTIONS');

/**
 * Applies defaults and checks the options.
 *
 * @throws Error naming the bad option
 */
export function resolveOptions(o: AuthVerifyOptions): ResolvedAuthVerifyOptions {
  for (const key of ['issuer', 'audience', 'jwksUri', 'natsUrl'] as const) {
    if (typeof o[key] !== 'string' || o[key].length === 0) throw new Error(`AuthVerifyModule: ${key} is required`);
  }
  if (!/^https?:\/\//.test(o.jwksUri)) throw new Error('AuthVerifyModule: jwksUri must be an http(s) URL');
  return {
    stream: 'GATEHOUSE_EVENTS',
    subjectPrefix: 'gatehouse',
    maxStalenessMs: 30_000,
    jwksCooldownMs: 30_000,
    jwksTimeoutMs: 3_000,
    jwksRefreshMs: 300_000,
    leewaySeconds: 30,
    verifiedTokenCacheSize: 10_000,
    ...o,
  };
}

/** Injection token: the name this module instance registered its passport-jwt strategy under. */
export const AUTH_VERIFY_STRATEGY = Symbol('AUTH_VERIFY_STRATEGY');
