import { ConsumerEvents, type ConsumerMessages } from 'nats';
import type { EventLogger } from './event-logger';

/**
 * Logs what the `nats` ordered consumer reports about itself until its messages end: missed
 * heartbeats (warn), a recreated consumer resuming after `resumeAfter()` (info), a missing stream (error).
 */
export async function logConsumerStatus(messages: ConsumerMessages, logger: EventLogger, stream: string, resumeAfter: () => number): Promise<void> {
  for await (const s of await messages.status()) {
    if (s.type === ConsumerEvents.HeartbeatsMissed) {
      logger.warn({ stream, missed: s.data }, 'event consumer missed heartbeats');
    } else if (s.type === ConsumerEvents.OrderedConsumerRecreated) {
      logger.info({ stream, resumeAfter: resumeAfter() }, 'event consumer resynced');
    } else if (s.type === ConsumerEvents.StreamNotFound) {
      logger.error({ stream }, 'event stream not found');
    }
  }
}
