// The framework-agnostic core: no Nest, Express or Fastify import here (lint enforces it).
// Adapters: `@gatehouse/auth-verify/nest`, `/express`, `/fastify`.
export { GatehouseVerifier, type VerifierReadinessChecks } from './lib/core/gatehouse-verifier';
export { resolveOptions, type VerifierOptions, type ResolvedVerifierOptions, type RejectionCounter } from './lib/core/verifier-options';
export { httpRefusal, type HttpRefusal, type RefusalCode } from './lib/core/http-refusal';
export { bearerFromSingleHeader, type BearerSource } from './lib/core/bearer';
export { JwksCache } from './lib/core/jwks-cache';
export { RevocationStore, type RevocationVerdict } from './lib/core/revocation-store';
export { RevocationState, type RevocationReason } from './lib/core/revocation-state';
export { TokenVerifier } from './lib/core/token-verifier';
export { VerifiedTokenCache, type VerifiedToken } from './lib/core/verified-token-cache';
export { RevocationStaleError } from './lib/core/revocation-stale-error';
export { assertScopes } from './lib/core/scopes';
export { assertDelegation, actorsOf, type DelegationRule } from './lib/core/delegation';
export { assertUserAuthentication, SECOND_FACTOR_AMR } from './lib/core/user-authentication';
