// The Express (and connect) adapter: `import { gatehouseAuth } from '@gatehouse/auth-verify/express'`.
export { gatehouseAuth, requireScopes, requireFactor, principalOf, type GatehouseMiddleware, type AuthenticatedRequest, type Middleware } from './lib/express/express-auth';
export { GatehouseVerifier, type VerifierOptions } from './index';
