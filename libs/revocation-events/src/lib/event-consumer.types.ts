import type { GatehouseEvent } from '@gatehouse/contracts';
import type { EventLogger } from './event-logger';
import type { NatsAccess } from './nats-access';

/** Where an event came from. */
export interface EventMeta {
  /** Stream sequence; 0 for an event that came on the fast path (it has none yet). */ seq: number;
  /** When JetStream stored it, or when the fast-path copy arrived. */ time: Date;
  /** Event id (`Nats-Msg-Id`, the outbox id), when the publisher set one. */ id?: string | undefined;
  /** Which path delivered it first. */ via: 'stream' | 'fast';
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
  /** Also apply events from the core-NATS fast path; default true. */
  fastPath?: boolean;
  /**
   * Also subscribe the fast path through a second connection on another node of `url` (the
   * service's `NATS_URL`), so one frozen node cannot hold revocations back; ignored for a
   * single-server URL. `name` is that connection's name.
   */
  fastPathPeer?: { url: string; name: string; access?: NatsAccess | undefined };
  /**
   * Be {@link EventConsumer.trusted} only after a checkpoint from auth-service verifies the replay,
   * and no longer once the stream loses events; default false (always trusted). Verifiers set it.
   */
  requireCheckpoint?: boolean;
  /** How many recent events to remember for applying each once across both paths; default 20,000. */
  dedupeCapacity?: number;
}

/** Counters for metrics and tests. */
export interface EventConsumerStats {
  /** Messages seen, valid or not. */ delivered: number;
  /** Skipped: foreign subject, bad JSON or schema mismatch. */ invalid: number;
  /** Handler calls that threw. */ handlerErrors: number;
  /** Stream-sequence jumps between consecutive messages (deleted or lost). */ gaps: number;
  /** Events applied from the fast path (before the stream brought them). */ fast: number;
  /** Copies not applied because the same event had been applied already (either path). */ duplicates: number;
  /** Stream checkpoints read (verified or not). */ checkpoints: number;
  /** Times the stream was found to have lost events (a checkpoint that did not verify, a purge, a reset). */ losses: number;
}
