export * from './lib/test-database';
export * from './lib/nats-server';
export * from './lib/service-process';
export * from './lib/nats-cluster';
export * from './lib/private-postgres';
