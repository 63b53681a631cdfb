export { ServiceTokenClient } from './lib/service-token-client';
export type { ExchangeCacheStats, FetchWithTokenInit } from './lib/service-token-client';
export type { ServiceTokenClientOptions } from './lib/client-options';
export {
  ServiceTokenError,
  ServiceTokenInvalidArgumentError,
  ServiceTokenRejectedError,
  ServiceTokenUnavailableError,
} from './lib/service-token-errors';
export type { ServiceTokenErrorCode } from './lib/service-token-errors';
