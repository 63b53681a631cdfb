export { connectNats } from './lib/connect-nats';
export { connectFastPathPeer, type FastPathPeer } from './lib/fast-path-peer';
export { parseNatsUrls, NATS_URL_RULE } from './lib/nats-urls';
export { ensureEventStream, MAX_ACCESS_TOKEN_TTL_SECONDS, type EventStreamOptions } from './lib/event-stream';
export { EventPublisher, type EventPublisherOptions, type PublishOptions, type PublishResult } from './lib/event-publisher';
export { EventConsumer } from './lib/event-consumer';
export type { EventConsumerOptions, EventConsumerStats, EventHandler, EventMeta } from './lib/event-consumer.types';
export { consoleEventLogger, type EventLogger } from './lib/event-logger';
