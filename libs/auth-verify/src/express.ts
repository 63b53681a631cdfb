// The Express (and connect) adapter: `import { gatehouseAuth } from '@gatehouse/auth-verify/express'`.
export { gatehouseAuth, requireScopes, requireDelegation, requireFactor, principalOf, type GatehouseMiddleware, type AuthenticatedRequest, type Middleware } from './lib/express/express-auth';
export { GatehouseVerifier, actorsOf, type DelegationRule, type VerifierOptions } from './index';
