// The Fastify adapter: `import { gatehouseAuth } from '@gatehouse/auth-verify/fastify'`.
export { gatehouseAuth, type GatehouseRouteConfig } from './lib/fastify/fastify-auth';
export { GatehouseVerifier, type VerifierOptions } from './index';
