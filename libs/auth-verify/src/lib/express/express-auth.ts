import { InvalidTokenError, type AccessTokenClaims } from '@gatehouse/contracts';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatehouseVerifier } from '../core/gatehouse-verifier';
import { httpRefusal } from '../core/http-refusal';
import { assertDelegation, type DelegationRule } from '../core/delegation';
import { assertScopes } from '../core/scopes';
import { assertUserAuthentication } from '../core/user-authentication';
import { verifierFrom, type VerifierSource } from '../core/verifier-source';

/** A request that went through {@link gatehouseAuth}: `principal` holds the verified claims. */
export type AuthenticatedRequest = IncomingMessage & { principal?: AccessTokenClaims };

/** A connect/Express middleware (`(req, res, next)`); Express's own types accept it as is. */
export type Middleware = (req: AuthenticatedRequest, res: ServerResponse, next: (err?: unknown) => void) => void;

/** The middleware of {@link gatehouseAuth}, with its verifier and lifecycle. */
export interface GatehouseMiddleware extends Middleware {
  readonly verifier: GatehouseVerifier;
  /** Loads keys and replays revocations (call before listening; resolves even if NATS is down, readiness says so). */
  start(): Promise<void>;
  /** Stops the verifier if this middleware created it. */
  stop(): Promise<void>;
}

/** Writes a refusal, or hands anything else to Express's error handling. */
function answer(err: unknown, res: ServerResponse, next: (err?: unknown) => void): void {
  const refusal = httpRefusal(err);
  if (!refusal) return next(err);
  res.statusCode = refusal.status;
  for (const [name, value] of Object.entries(refusal.headers)) res.setHeader(name, value);
  res.end(JSON.stringify(refusal.body));
}

/**
 * Express middleware: every request after it needs a valid Gatehouse access token (mount public
 * routes before it). The claims become `req.principal`. Refusals are the same as in every adapter:
 * 401 `invalid_token`, 503 while revocation state is stale, with `{ code, message }`.
 *
 * @param source - verifier options (the middleware owns the verifier) or `{ verifier }`
 * @throws Error naming a missing or malformed option
 * @example
 * const auth = gatehouseAuth({ issuer, audience: 'reports', jwksUri, natsUrl });
 * app.get('/health', health);
 * app.use(auth);
 * app.get('/reports', requireScopes('reports:read'), (req, res) => res.json(principalOf(req)));
 * await auth.start(); app.listen(3000);
 */
export function gatehouseAuth(source: VerifierSource): GatehouseMiddleware {
  const { verifier, owned } = verifierFrom(source);
  const middleware: Middleware = (req, res, next) => {
    let claims: AccessTokenClaims | Promise<AccessTokenClaims>;
    try {
      claims = verifier.authenticate(req);
    } catch (err) {
      return answer(err, res, next);
    }
    if (!(claims instanceof Promise)) {
      req.principal = claims;
      return next();
    }
    claims.then(
      (c) => {
        req.principal = c;
        next();
      },
      (err: unknown) => answer(err, res, next),
    );
  };
  return Object.assign(middleware, {
    verifier,
    start: () => verifier.start(),
    stop: () => (owned ? verifier.stop() : Promise.resolve()),
  });
}

/** A middleware applying `check` to the verified claims (401 without them; the check's refusal otherwise). */
function routeCheck(check: (claims: AccessTokenClaims) => void): Middleware {
  return (req, res, next) => {
    try {
      check(principalOf(req));
    } catch (err) {
      return answer(err, res, next);
    }
    next();
  };
}

/**
 * Requires every listed scope on the token {@link gatehouseAuth} verified; otherwise 403
 * `insufficient_scope` (401 if the route is not behind `gatehouseAuth`).
 *
 * @example app.post('/reports', requireScopes('reports:write'), handler)
 */
export function requireScopes(...scopes: string[]): Middleware {
  const required = [...scopes];
  return routeCheck((claims) => assertScopes(claims, required));
}

/**
 * Applies a delegation rule (RFC 8693 `act`) to the token {@link gatehouseAuth} verified:
 * `{ forbid: true }`, or `{ require: true, actors: [...] }`; otherwise 403 `AUTH_FORBIDDEN`
 * (401 if the route is not behind `gatehouseAuth`).
 *
 * @example app.post('/reservations', requireDelegation({ require: true, actors: ['orders-service'] }), handler)
 */
export function requireDelegation(rule: DelegationRule): Middleware {
  return routeCheck((claims) => assertDelegation(claims, rule));
}

/**
 * Requires a sign-in with every listed authentication method (`amr`, RFC 8176; none listed: a
 * second factor, `mfa`) on the token {@link gatehouseAuth} verified; otherwise 401
 * `insufficient_user_authentication` (RFC 9470), so the client knows to step up.
 *
 * @example app.post('/payouts', requireFactor(), handler)
 */
export function requireFactor(...amr: string[]): Middleware {
  const required = [...amr];
  return routeCheck((claims) => assertUserAuthentication(claims, required));
}

/**
 * The claims {@link gatehouseAuth} verified for `req`.
 *
 * @throws InvalidTokenError (`AUTH_TOKEN_INVALID`) when the request did not pass through it
 * @example res.json({ sub: principalOf(req).sub })
 */
export function principalOf(req: AuthenticatedRequest): AccessTokenClaims {
  if (!req.principal) throw new InvalidTokenError();
  return req.principal;
}
