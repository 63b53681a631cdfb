export * from './lib/test-database';
export * from './lib/nats-server';
export * from './lib/service-process';
export * from './lib/hostile-token-corpus';
export * from './lib/signing-keys';
export * from './lib/trap-server';
export * from './lib/bulk-load';
