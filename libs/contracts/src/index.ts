export * from './lib/error-codes';
export * from './lib/gatehouse-error';
export * from './lib/scopes';
export * from './lib/claims';
export * from './lib/oauth';
export * from './lib/events';
export * from './lib/events-json-schema';
export * from './lib/stream-checkpoint';
