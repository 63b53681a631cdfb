// The NestJS adapter: `import { AuthVerifyModule } from '@gatehouse/auth-verify/nest'`.
export { AuthVerifyModule } from './lib/nest/auth-verify.module';
export { AUTH_VERIFY_STRATEGY, type AuthVerifyOptions } from './lib/nest/auth-verify.tokens';
export { Public, Scopes, Delegation, RequireFactor, Principal, IS_PUBLIC_KEY, SCOPES_KEY, DELEGATION_KEY, FACTOR_KEY } from './lib/nest/decorators';
export { PassportJwtGuard } from './lib/nest/guards';
export { VerifierReadiness } from './lib/nest/verifier-readiness';
export { GatehouseVerifier, JwksCache, RevocationStore, TokenVerifier, actorsOf, type DelegationRule } from './index';
