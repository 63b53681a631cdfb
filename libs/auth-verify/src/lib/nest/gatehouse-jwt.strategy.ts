import type { AccessTokenClaims } from '@gatehouse/contracts';
import { Inject, Injectable, type Type } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { KeyObject } from 'node:crypto';
import { Strategy } from 'passport-jwt';
import { bearerFromSingleHeader } from '../core/bearer';
import { GatehouseVerifier } from '../core/gatehouse-verifier';
import { checkHeader, TokenRejection } from '../core/token-rejection';
import { assertNotRevoked, validateClaims } from '../core/token-verifier';

let instances = 0;
/**
 * A unique passport strategy name per AuthVerifyModule instance. passport keeps strategies in
 * one process-wide registry, so a fixed name would let a second app in the same process
 * (tests, embedded servers) replace the first app's strategy — and its revocation store.
 */
export function nextStrategyName(): string {
  return `gatehouse-jwt-${++instances}`;
}

/**
 * Builds the passport-jwt strategy class for Gatehouse access tokens, registered as `name`:
 * header checks first, the key from the JWKS cache by kid, jsonwebtoken with pinned RS256,
 * issuer, audience and leeway, then claim types and the revocation store. The global guard
 * verifies through {@link TokenVerifier} (same checks, one decode, no jsonwebtoken); this
 * strategy stays registered for routes that opt into passport (`AuthGuard(name)`).
 */
export function createGatehouseJwtStrategy(name: string): Type<unknown> {
  @Injectable()
  class GatehouseJwtStrategy extends PassportStrategy(Strategy, name) {
    constructor(@Inject(GatehouseVerifier) private readonly verifier: GatehouseVerifier) {
      const { jwks, options } = verifier;
      super({
        jwtFromRequest: bearerFromSingleHeader,
        secretOrKeyProvider: (_req: unknown, rawJwt: string, done: (err: unknown, key?: string) => void) => {
          let kid: string;
          try {
            kid = checkHeader(rawJwt);
          } catch (err) {
            return done(err);
          }
          const hot = jwks.cached(kid);
          // jsonwebtoken accepts a KeyObject; passing it avoids re-parsing a PEM on every request.
          if (hot) return done(null, hot as unknown as string);
          jwks
            .key(kid)
            .then((key: KeyObject | null) => (key ? done(null, key as unknown as string) : done(new TokenRejection('unknown_kid'))))
            .catch(() => done(new TokenRejection('jwks')));
        },
        issuer: options.issuer,
        audience: options.audience,
        algorithms: ['RS256'],
        ignoreExpiration: false,
        // exp is strict (a token is dead at exp); leeway covers issuer/verifier clock skew on nbf/iat, checked in validate().
        jsonWebTokenOptions: { clockTolerance: 0, ignoreNotBefore: true },
      });
    }

    /** Runs after the signature and registered claims are verified: the same claim and revocation checks as {@link TokenVerifier}. */
    validate(payload: unknown): AccessTokenClaims {
      const claims = validateClaims(payload, this.verifier.options);
      assertNotRevoked(this.verifier.revocations, claims);
      return claims;
    }
  }
  return GatehouseJwtStrategy;
}
