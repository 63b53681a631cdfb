import { consoleEventLogger, type EventLogger } from '@gatehouse/revocation-events';
import { InvalidTokenError, type AccessTokenClaims } from '@gatehouse/contracts';
import { bearerFromSingleHeader, type BearerSource } from './bearer';
import { JwksCache } from './jwks-cache';
import { RevocationStaleError } from './revocation-stale-error';
import { RevocationStore } from './revocation-store';
import { assertDelegation, type DelegationRule } from './delegation';
import { assertScopes } from './scopes';
import { assertUserAuthentication } from './user-authentication';
import { rejectionReason, TokenRejection } from './token-rejection';
import { TokenVerifier } from './token-verifier';
import { VerifiedTokenCache } from './verified-token-cache';
import { resolveOptions, type RejectionCounter, type ResolvedVerifierOptions, type VerifierOptions } from './verifier-options';

/** Named readiness checks for a service's `/health/ready`. */
export type VerifierReadinessChecks = {
  /** At least one issuer key is loaded. */
  jwks: boolean;
  /** The revocation stream is replayed, proven complete by a checkpoint, and NATS is in touch. */
  revocations: boolean;
};

/**
 * The framework-agnostic core every adapter (Nest, Express, Fastify) is built on: JWKS cache,
 * revocation store with its NATS consumer, token verifier, readiness, start/stop, and the one
 * request-level decision (`authenticate`, `authorize`, `authorizeDelegation`) so every framework
 * gives the same answers: 401 `invalid_token`, 403 `insufficient_scope`, 403 `AUTH_FORBIDDEN` for a
 * delegation rule, 503 while revocation state is stale.
 *
 * @example
 * const verifier = new GatehouseVerifier({ issuer, audience: 'reports', jwksUri, natsUrl });
 * await verifier.start();
 * const claims = await verifier.authenticate(req); // throws a GatehouseError (401/503)
 */
export class GatehouseVerifier {
  readonly options: ResolvedVerifierOptions;
  readonly jwks: JwksCache;
  readonly revocations: RevocationStore;
  readonly tokens: TokenVerifier;
  private readonly rejections: RejectionCounter | undefined;
  private starting: Promise<void> | null = null;

  /**
   * @param options - issuer, audience, jwksUri, natsUrl (+ optional tuning)
   * @throws Error naming a missing or malformed option
   */
  constructor(options: VerifierOptions) {
    this.options = resolveOptions(options);
    const logger: EventLogger = this.options.logger ?? consoleEventLogger;
    this.rejections = this.options.rejections;
    this.jwks = new JwksCache(this.options, logger);
    this.revocations = new RevocationStore(this.options, this.jwks, logger);
    this.tokens = new TokenVerifier(this.options, this.jwks, this.revocations, new VerifiedTokenCache(this.options.verifiedTokenCacheSize));
  }

  /** Loads the keys and starts following revocations; never throws (readiness reports it). Idempotent. */
  start(): Promise<void> {
    this.starting ??= Promise.all([this.jwks.start(), this.revocations.start()]).then(() => undefined);
    return this.starting;
  }

  /** Stops timers and drains NATS. Idempotent. */
  async stop(): Promise<void> {
    this.jwks.stop();
    await this.revocations.stop();
  }

  /** `{ jwks, revocations }`, both true when tokens can be verified. */
  readiness(): VerifierReadinessChecks {
    return { jwks: this.jwks.loaded, revocations: this.revocations.caughtUp && this.revocations.trusted && !this.revocations.stale };
  }

  /**
   * The verified claims of the request's bearer token: synchronous for a cached or inline-checked token, else a promise (see {@link TokenVerifier.verify}).
   *
   * @param req - anything with Node's `rawHeaders` (or `raw.rawHeaders`)
   * @throws InvalidTokenError (`AUTH_TOKEN_INVALID`, 401) for a missing, malformed, hostile, expired or revoked token;
   *   RevocationStaleError (`SERVICE_UNAVAILABLE`, 503) while revocation state is stale
   */
  authenticate(req: BearerSource): AccessTokenClaims | Promise<AccessTokenClaims> {
    const raw = bearerFromSingleHeader(req);
    if (!raw) return this.refuse(new TokenRejection('missing'));
    try {
      const claims = this.tokens.verify(raw);
      return claims instanceof Promise ? claims.catch((err: unknown) => this.refuse(err)) : claims;
    } catch (err) {
      return this.refuse(err);
    }
  }

  /**
   * Checks that `claims` carry every scope in `required`.
   *
   * @throws InsufficientScopeError (`AUTH_INSUFFICIENT_SCOPE`, 403) naming the required scopes
   */
  authorize(claims: Pick<AccessTokenClaims, 'scope'>, required: readonly string[]): void {
    assertScopes(claims, required);
  }

  /**
   * Checks `claims` against a route's delegation rule (RFC 8693 `act`).
   *
   * @throws ForbiddenError (`AUTH_FORBIDDEN`, 403) when the rule refuses the token
   */
  authorizeDelegation(claims: Pick<AccessTokenClaims, 'act' | 'sid'>, rule: DelegationRule | undefined): void {
    assertDelegation(claims, rule);
  }

  /**
   * Checks that the sign-in behind `claims` used the methods in `amr` (default: a second factor).
   *
   * @throws InsufficientUserAuthenticationError (`AUTH_INSUFFICIENT_USER_AUTHENTICATION`, 401, RFC 9470)
   */
  requireFactor(claims: Pick<AccessTokenClaims, 'amr'>, amr: readonly string[] = []): void {
    assertUserAuthentication(claims, amr);
  }

  /**
   * Turns any refusal into the error the caller sees, counting its reason: 503 stays a 503,
   * everything else becomes the same 401 (the reason is only a metric label).
   *
   * @throws always
   */
  refuse(err: unknown, info?: unknown): never {
    if (err instanceof RevocationStaleError) {
      this.rejections?.inc({ reason: 'stale' });
      throw err;
    }
    this.rejections?.inc({ reason: rejectionReason(err, info) });
    throw new InvalidTokenError();
  }
}
