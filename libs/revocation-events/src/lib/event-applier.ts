import type { GatehouseEvent } from '@gatehouse/contracts';
import type { JsMsg, Msg } from 'nats';
import { decodeEvent, eventId, type EventMessage } from './decode-event';
import type { EventConsumerStats, EventHandler, EventMeta } from './event-consumer.types';
import type { EventLogger } from './event-logger';
import { RecentIds } from './recent-ids';

/**
 * Hands each valid event of an {@link EventConsumer} to its handler once, from whichever path
 * brings it first: an event that arrives on both is recognised by its id (`Nats-Msg-Id`) together
 * with its subject and body, so a forged fast-path message reusing a real event's id cannot
 * suppress that event. Counts what it skips in the consumer's stats.
 */
export class EventApplier {
  private readonly recent: RecentIds;

  constructor(
    private readonly prefix: string,
    private readonly handler: EventHandler,
    private readonly counters: EventConsumerStats,
    private readonly log: { logger: EventLogger; stream: string },
    dedupeCapacity: number,
  ) {
    this.recent = new RecentIds(dedupeCapacity);
  }

  /** An event message from the stream, at stream sequence `seq`. */
  fromStream(m: JsMsg, seq: number): void {
    const event = decodeEvent(this.prefix, m);
    if (event === null) {
      this.counters.invalid++;
      this.log.logger.warn({ stream: this.log.stream, seq, subject: m.subject }, 'skipped invalid event');
    } else if (this.firstSighting(m, event)) {
      this.apply(event, { seq, time: new Date(Math.floor(m.info.timestampNanos / 1e6)), id: eventId(m), via: 'stream' });
    }
  }

  /** A fast-path message: applied now unless the stream (or an earlier copy) already brought it. */
  fromFastPath(m: Msg): void {
    const event = decodeEvent(this.prefix, m);
    if (event === null) {
      this.counters.invalid++;
      this.log.logger.warn({ stream: this.log.stream, subject: m.subject }, 'skipped invalid fast-path event');
      return;
    }
    if (!this.firstSighting(m, event)) return;
    this.counters.fast++;
    this.apply(event, { seq: 0, time: new Date(), id: eventId(m), via: 'fast' });
  }

  /** False when this exact event (id, subject and body) was applied already; events without an id always count as new. */
  private firstSighting(m: EventMessage, event: GatehouseEvent): boolean {
    const id = eventId(m);
    if (id === undefined || this.recent.add(`${id}\n${event.subject}\n${m.string()}`)) return true;
    this.counters.duplicates++;
    return false;
  }

  private apply(event: GatehouseEvent, meta: EventMeta): void {
    try {
      this.handler(event, meta);
    } catch (err) {
      this.counters.handlerErrors++;
      this.log.logger.error({ stream: this.log.stream, seq: meta.seq, subject: event.subject, err: String(err) }, 'event handler threw');
    }
  }
}
