import { EVENTS_STREAM, parseStreamCheckpoint, ServiceUnavailableError, STREAM_CHECKPOINT_SUBJECT } from '@gatehouse/contracts';
import type { Consumer, ConsumerMessages, JetStreamManager, JsMsg, NatsConnection } from 'nats';
import type { EventConsumerOptions, EventConsumerStats, EventHandler } from './event-consumer.types';
import { EventApplier } from './event-applier';
import { consoleEventLogger, type EventLogger } from './event-logger';
import { FastPathListener } from './fast-path-listener';
import { logConsumerStatus } from './consumer-status';
import { StreamTrust } from './stream-trust';
import { assertPrefix, CONTRACT_PREFIX, toWireSubject } from './subject-prefix';

const DEFAULT_DEDUPE_CAPACITY = 20_000;

/**
 * Replays the event stream from its start, then follows it live, through an ordered consumer;
 * and, unless `fastPath: false`, applies events from the core-NATS fast path as they arrive, so a
 * revocation does not wait for a stream leader (docs/adr/0001-revocation-fast-path.md). An event
 * that arrives on both paths is applied once: it is recognised by its id (`Nats-Msg-Id`) together
 * with its subject and body, so a forged fast-path message reusing a real event's id cannot
 * suppress that event.
 *
 * Relies on the `nats` ordered consumer for ordering and gap repair: it checks every message's
 * delivery sequence and, on a jump, a missed heartbeat or a vanished consumer, recreates the server
 * consumer from the last delivered stream sequence + 1. On top of that this class skips any stream
 * sequence it has already applied and counts stream-sequence jumps in `stats.gaps` (logged at warn);
 * a jump there means messages were deleted or expired, which restarting cannot bring back.
 *
 * With `requireCheckpoint`, the consumer is {@link EventConsumer.trusted} only once a checkpoint
 * from auth-service in the stream proves that the replay covered every event that still matters,
 * and it stops being trusted when the stream loses events (purged, deleted and re-created, reset,
 * messages deleted); a re-created or reset stream is replayed again from its start.
 *
 * @example
 * const consumer = new EventConsumer(nc, (event, { seq }) => revocations.apply(event, seq), { logger });
 * await consumer.start();
 * const ready = await consumer.waitForCatchUp(10_000);
 * const stale = Date.now() - (consumer.lastContactAt?.getTime() ?? 0) > 30_000;
 * await consumer.stop();
 */
export class EventConsumer {
  private readonly stream: string;
  private readonly prefix: string;
  private readonly logger: EventLogger;
  private readonly probeIntervalMs: number;
  private readonly counters: EventConsumerStats = { delivered: 0, invalid: 0, handlerErrors: 0, gaps: 0, fast: 0, duplicates: 0, checkpoints: 0, losses: 0 };
  private readonly trust: StreamTrust;
  private readonly checkpointSubject: string;
  private jsm: JetStreamManager | null = null;
  private streamCreated = '';
  private readonly events: EventApplier;
  /** Null with `fastPath: false`. */
  private readonly fast: FastPathListener | null;
  private readonly waiters = new Set<() => void>();
  private state: 'idle' | 'running' | 'stopped' = 'idle';
  private consumer: Consumer | null = null;
  private messages: ConsumerMessages | null = null;
  private loop: Promise<void> = Promise.resolve();
  private probing: Promise<void> | null = null;
  private probeTimer: NodeJS.Timeout | null = null;
  private targetSeq = 0;
  private caught = false;
  private seq = 0;
  private contact: Date | null = null;

  /**
   * @param nc - an open connection (the caller owns and drains it)
   * @param handler - applies each valid event, in stream order
   * @param options - see {@link EventConsumerOptions}
   * @throws REQUEST_INVALID for an invalid prefix
   */
  constructor(
    private readonly nc: NatsConnection,
    handler: EventHandler,
    options: EventConsumerOptions = {},
  ) {
    this.stream = options.stream ?? EVENTS_STREAM;
    this.prefix = assertPrefix(options.prefix ?? CONTRACT_PREFIX);
    this.logger = options.logger ?? consoleEventLogger;
    this.probeIntervalMs = options.probeIntervalMs ?? 5000;
    this.fast = (options.fastPath ?? true) ? new FastPathListener(nc, this.prefix, options.fastPathPeer, { logger: this.logger, stream: this.stream }, (m) => {
      if (this.state === 'running') this.events.fromFastPath(m);
    }) : null;
    this.events = new EventApplier(this.prefix, handler, this.counters, { logger: this.logger, stream: this.stream }, options.dedupeCapacity ?? DEFAULT_DEDUPE_CAPACITY);
    this.trust = new StreamTrust(options.requireCheckpoint ?? false);
    this.checkpointSubject = toWireSubject(this.prefix, STREAM_CHECKPOINT_SUBJECT);
  }

  /**
   * True when the replayed state can be trusted to be complete: always without
   * `requireCheckpoint`; with it, from the first verified checkpoint until events are lost.
   */
  get trusted(): boolean {
    return this.trust.trusted;
  }

  /** True once every message that was in the stream at `start()` has been delivered. */
  get caughtUp(): boolean {
    return this.caught;
  }

  /** Stream sequence of the last message processed (0 before the first). */
  get lastSeq(): number {
    return this.seq;
  }

  /** Last time JetStream answered (a message or a successful probe); `null` before start. */
  get lastContactAt(): Date | null {
    return this.contact;
  }

  /** A snapshot of the counters. */
  get stats(): EventConsumerStats {
    return { ...this.counters };
  }

  /**
   * Starts replaying from the first message in the stream, then follows it live. Call once.
   *
   * @throws SERVICE_UNAVAILABLE when the stream cannot be reached (`start()` may then be retried)
   */
  async start(): Promise<void> {
    if (this.state !== 'idle') throw new Error('EventConsumer.start() may be called only once.');
    this.state = 'running';
    try {
      // Subscribed before the replay starts, so no event falls between the two paths.
      await this.fast?.open();
      const jsm = await this.nc.jetstreamManager();
      this.jsm = jsm;
      const { state, created } = await jsm.streams.info(this.stream);
      this.streamCreated = created;
      this.targetSeq = state.last_seq;
      if (state.messages === 0) this.markCaughtUp();
      await this.openConsumer(jsm);
    } catch (err) {
      this.state = 'idle';
      await this.fast?.close();
      throw new ServiceUnavailableError('The event stream is unavailable.', { cause: err });
    }
    this.touch();
    this.probeTimer = setInterval(() => this.probe(), this.probeIntervalMs);
    this.probeTimer.unref();
  }

  /**
   * Resolves `true` once caught up, or `false` after `timeoutMs` (or on `stop()`).
   *
   * @param timeoutMs - how long to wait
   */
  waitForCatchUp(timeoutMs: number): Promise<boolean> {
    if (this.caught) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve(this.caught);
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
    });
  }

  /** Stops pulling, lets the current message finish and deletes the server-side consumer. */
  async stop(): Promise<void> {
    if (this.state !== 'running') {
      this.state = 'stopped';
      return;
    }
    this.state = 'stopped';
    if (this.probeTimer) clearInterval(this.probeTimer);
    await this.fast?.close();
    await this.messages?.close();
    await this.loop;
    await this.probing;
    await this.consumer?.delete().catch(() => false);
    [...this.waiters].forEach((done) => done());
  }

  private async openConsumer(jsm: JetStreamManager): Promise<void> {
    this.consumer = await jsm.jetstream().consumers.get(this.stream, { filterSubjects: `${this.prefix}.>` });
    const messages = await this.consumer.consume({ max_messages: 256, expires: 10_000 });
    this.messages = messages;
    this.loop = this.run(messages);
  }

  /** The stream was re-created or reset: replay it again from its start, untrusted until a checkpoint verifies. */
  private async replayFromStart(jsm: JetStreamManager, created: string): Promise<void> {
    const [messages, consumer] = [this.messages, this.consumer];
    this.messages = null;
    this.consumer = null;
    await messages?.close();
    await this.loop;
    await consumer?.delete().catch(() => false);
    this.seq = 0;
    this.trust.restart();
    this.streamCreated = created;
    if (this.state === 'running') await this.openConsumer(jsm);
  }

  private async run(messages: ConsumerMessages): Promise<void> {
    const statusLoop = logConsumerStatus(messages, this.logger, this.stream, () => this.seq);
    try {
      for await (const m of messages) this.onMessage(m);
    } catch (err) {
      this.logger.error({ stream: this.stream, err: String(err) }, 'event consumer failed');
    }
    if (this.state === 'running' && this.messages === messages) this.logger.error({ stream: this.stream }, 'event consumer ended unexpectedly');
    await statusLoop;
  }

  private onMessage(m: JsMsg): void {
    this.touch();
    const seq = m.info.streamSequence;
    if (seq <= this.seq) return; // already applied before an ordered-consumer reset
    if (this.trust.see(seq)) {
      this.counters.gaps++;
      this.logger.warn({ stream: this.stream, from: this.seq, to: seq }, 'event stream sequence gap');
    }
    this.seq = seq;
    this.counters.delivered++;
    if (m.subject === this.checkpointSubject) this.onCheckpoint(m, seq);
    else this.events.fromStream(m, seq);
    if (seq >= this.targetSeq || m.info.pending === 0) this.markCaughtUp();
  }

  private onCheckpoint(m: JsMsg, seq: number): void {
    const cp = readCheckpoint(m);
    if (cp === null) {
      this.counters.invalid++;
      this.logger.warn({ stream: this.stream, seq }, 'skipped invalid stream checkpoint');
      return;
    }
    this.counters.checkpoints++;
    const wasTrusted = this.trust.trusted;
    if (this.trust.verify(seq, cp)) {
      if (!wasTrusted) this.logger.info({ stream: this.stream, seq, fromSeq: cp.fromSeq }, 'event stream verified by a checkpoint');
    } else {
      this.lost({ seq, fromSeq: cp.fromSeq }, 'event stream lacks events a checkpoint needs');
    }
  }

  private lost(details: Record<string, unknown>, msg: string): void {
    this.counters.losses++;
    this.trust.distrust();
    this.logger.error({ stream: this.stream, ...details }, msg);
  }

  /**
   * Asks JetStream about the stream and our consumer: proves contact while idle, catches up when
   * the tail was deleted, and notices a stream that lost events or was re-created.
   */
  private probe(): void {
    if (this.probing !== null || this.consumer === null || this.jsm === null) return;
    const [consumer, jsm] = [this.consumer, this.jsm];
    const deliveredBefore = this.seq;
    this.probing = jsm.streams
      .info(this.stream)
      .then(async ({ state, created }) => {
        const seen = this.trust.observe(state, created !== this.streamCreated, deliveredBefore);
        if (seen === 'reset') {
          this.lost({ lastSeq: this.seq, streamLastSeq: state.last_seq }, 'event stream was re-created or reset; replaying it from its start');
          await this.replayFromStart(jsm, created);
          return;
        }
        if (seen === 'lost') this.lost({ firstSeq: state.first_seq }, 'event stream lost events (purged)');
        const ci = await consumer.info();
        this.touch();
        if (ci.num_pending === 0 && ci.delivered.stream_seq <= this.seq) this.markCaughtUp();
      })
      .catch((err: unknown) => this.logger.warn({ stream: this.stream, err: String(err) }, 'event consumer probe failed'))
      .finally(() => {
        this.probing = null;
      });
  }

  private touch(): void {
    this.contact = new Date();
  }

  private markCaughtUp(): void {
    if (this.caught) return;
    this.caught = true;
    this.logger.info({ stream: this.stream, lastSeq: this.seq }, 'event consumer caught up');
    [...this.waiters].forEach((done) => done());
  }
}

/** The checkpoint a stream message carries, or null when it is not one. */
function readCheckpoint(m: JsMsg): ReturnType<typeof parseStreamCheckpoint> {
  try {
    return parseStreamCheckpoint(JSON.parse(m.string()));
  } catch {
    return null;
  }
}
