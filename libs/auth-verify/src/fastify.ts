// The Fastify adapter: `import { gatehouseAuth } from '@gatehouse/auth-verify/fastify'`.
export { gatehouseAuth, type GatehouseRouteConfig } from './lib/fastify/fastify-auth';
export { GatehouseVerifier, actorsOf, type DelegationRule, type VerifierOptions } from './index';
