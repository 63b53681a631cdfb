import type { AccessTokenClaims } from '@gatehouse/contracts';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { GatehouseVerifier } from '../core/gatehouse-verifier';
import { httpRefusal } from '../core/http-refusal';
import { assertDelegation, type DelegationRule } from '../core/delegation';
import { assertScopes } from '../core/scopes';
import { assertUserAuthentication } from '../core/user-authentication';
import { verifierFrom, type VerifierSource } from '../core/verifier-source';

/** Per-route protection, in the route's `config`: `{ config: { public: true } }` or `{ config: { scopes: ['orders:read'] } }`. */
export interface GatehouseRouteConfig {
  /** Reachable without a token. */
  public?: boolean;
  /** Every one of these scopes is required (403 `insufficient_scope` otherwise). */
  scopes?: readonly string[];
  /** Delegated (RFC 8693 `act`) tokens: `{ forbid: true }` or `{ require: true, actors }` (403 `AUTH_FORBIDDEN` otherwise). */
  delegation?: DelegationRule;
  /** A sign-in with these `amr` methods is required (`true`: a second factor); else 401 `insufficient_user_authentication`. */
  factor?: true | readonly string[];
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** See {@link GatehouseRouteConfig.public}. */
    public?: boolean;
    /** See {@link GatehouseRouteConfig.scopes}. */
    scopes?: readonly string[];
    /** See {@link GatehouseRouteConfig.delegation}. */
    delegation?: DelegationRule;
    /** See {@link GatehouseRouteConfig.factor}. */
    factor?: true | readonly string[];
  }
  interface FastifyRequest {
    /** The verified claims (null on public routes). */
    principal: AccessTokenClaims | null;
  }
  interface FastifyInstance {
    /** The verifier behind the plugin (readiness: `app.gatehouse.readiness()`). */
    gatehouse: GatehouseVerifier;
  }
}

function answer(err: unknown, reply: FastifyReply, done: (err?: Error) => void): void {
  const refusal = httpRefusal(err);
  if (!refusal) return done(err instanceof Error ? err : new Error('auth-verify: unexpected refusal'));
  void reply.code(refusal.status).headers(refusal.headers).send(JSON.stringify(refusal.body));
}

function protect(verifier: GatehouseVerifier): onRequestHookHandler {
  return function gatehouseOnRequest(request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void): void {
    const config = request.routeOptions.config;
    if (config.public === true || request.is404) return done();
    const admit = (claims: AccessTokenClaims): void => {
      request.principal = claims;
      try {
        assertScopes(claims, config.scopes ?? []);
        assertDelegation(claims, config.delegation);
        if (config.factor !== undefined) assertUserAuthentication(claims, config.factor === true ? [] : config.factor);
      } catch (err) {
        return answer(err, reply, done);
      }
      done();
    };
    let claims: AccessTokenClaims | Promise<AccessTokenClaims>;
    try {
      claims = verifier.authenticate(request);
    } catch (err) {
      return answer(err, reply, done);
    }
    if (!(claims instanceof Promise)) return admit(claims);
    claims.then(admit, (err: unknown) => answer(err, reply, done));
  };
}

const plugin: FastifyPluginAsync<VerifierSource> = async (app, source) => {
  const { verifier, owned } = verifierFrom(source);
  app.decorate('gatehouse', verifier);
  app.decorateRequest('principal', null);
  app.addHook('onRequest', protect(verifier));
  if (owned) app.addHook('onClose', () => verifier.stop());
  await verifier.start();
};

/**
 * Fastify plugin: every route needs a valid Gatehouse access token unless its `config` says
 * `public: true`; `config.scopes` adds required scopes, `config.delegation` a rule on `act`,
 * `config.factor` a required second factor. The claims become `request.principal`.
 * Refusals are the same as in every adapter: 401 `invalid_token`, 403 `insufficient_scope`,
 * 401 `insufficient_user_authentication`, 503 while revocation state is stale, with `{ code, message }`. Registered without
 * encapsulation (it protects the whole app); a verifier it creates is stopped on `app.close()`.
 *
 * @throws Error naming a missing or malformed option (at `register`)
 * @example
 * await app.register(gatehouseAuth, { issuer, audience: 'reports', jwksUri, natsUrl });
 * app.get('/health', { config: { public: true } }, () => app.gatehouse.readiness());
 * app.get('/reports', { config: { scopes: ['reports:read'] } }, (req) => ({ sub: req.principal?.sub }));
 */
export const gatehouseAuth: FastifyPluginAsync<VerifierSource> = Object.assign(plugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: '@gatehouse/auth-verify',
});
