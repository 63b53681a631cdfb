import type { GatehouseEvent } from '@gatehouse/contracts';
import type { EventLogger } from './event-logger';

/** Where an event sits in the stream. */
export interface EventMeta {
  /** Stream sequence. */ seq: number;
  /** When JetStream stored it. */ time: Date;
}

/** Applies one event. Must be synchronous and idempotent; a throw is logged and counted, never fatal. */
export type EventHandler = (event: GatehouseEvent, meta: EventMeta) => void;

/** Options for {@link EventConsumer}. */
export interface EventConsumerOptions {
  /** Stream name; default `GATEHOUSE_EVENTS`. */
  stream?: string;
  /** Subject prefix; default `gatehouse`. */
  prefix?: string;
  logger?: EventLogger;
  /** How often to check with JetStream that the consumer is alive (refreshes `lastContactAt`); default 5000 ms. */
  probeIntervalMs?: number;
}

/** Counters for metrics and tests. */
export interface EventConsumerStats {
  /** Messages seen, valid or not. */ delivered: number;
  /** Skipped: foreign subject, bad JSON or schema mismatch. */ invalid: number;
  /** Handler calls that threw. */ handlerErrors: number;
  /** Stream-sequence jumps between consecutive messages (deleted or lost). */ gaps: number;
}
