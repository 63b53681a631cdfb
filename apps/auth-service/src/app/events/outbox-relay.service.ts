import { EVENT_SUBJECTS, parseEvent } from '@gatehouse/contracts';
import { connectFastPathPeer, connectNats, ensureEventStream, EventPublisher, hasCredentials, natsAccessFrom, type FastPathPeer, type PublishResult } from '@gatehouse/revocation-events';
import { Metrics, ROOT_LOGGER } from '@gatehouse/service-runtime';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { NatsConnection } from 'nats';
import { Client, type Notification } from 'pg';
import type { Counter } from 'prom-client';
import type { Logger } from 'pino';
import { AUTH_CONFIG } from '../config/config.tokens';
import type { AuthConfig } from '../config/config.schema';
import { KeyStoreService } from '../keys/key-store.service';
import { markSent, notifiedRow, type OutboxRow, type Published } from './outbox-rows';
import { StreamGuard } from './stream-guard';

const RELAY_LOCK_ID = 7_316_003;
const CHANNEL = 'gatehouse_outbox';
const BATCH = 100;
const IDLE_POLL_MS = 1000;
const MAX_BACKOFF_MS = 5000;

/**
 * Publishes outbox rows with `Nats-Msg-Id` = outbox id on the fast path (core NATS, no stream
 * leader involved) and to JetStream (the durable path), then marks them sent.
 *
 * One replica relays at a time: the one holding a session-level advisory lock on its own
 * Postgres connection (the others try again every second, so a dead leader is replaced within
 * about a second of Postgres noticing). The leader publishes each event straight from the
 * `NOTIFY` its insert fires (the trigger puts the row in the notification), so an event reaches
 * the stream about a millisecond after its transaction commits, in commit order, without reading
 * the row back; acknowledged rows are marked sent in batches. A drain of unsent rows (every
 * second, at once after a failed publish with backoff, and on becoming leader) catches whatever
 * the fast path missed: notifications lost during a reconnect, publishes that failed while NATS
 * was down, rows too big for a notification. Publishing a row twice is harmless: JetStream drops
 * a repeated `Nats-Msg-Id` inside its duplicate window.
 *
 * The leader also records each row's stream sequence and, every `EVENTS_CHECKPOINT_INTERVAL`,
 * lets its {@link StreamGuard} compare the stream with the outbox: a checkpoint for verifiers when
 * the stream is intact, a re-publish of the live set when it lost events.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private stopped = false;
  private loop: Promise<void> | null = null;
  private nc: NatsConnection | null = null;
  /** Second fast-path connection, on another NATS node (null for a single-server NATS_URL). */
  private peer: FastPathPeer | null = null;
  private publisher: EventPublisher | null = null;
  private guard: StreamGuard | null = null;
  private nextCheckpointAt = 0;
  private db: Client | null = null;
  private leader = false;
  /** Last publish succeeded: the fast path is on. After a failure only the drain (with backoff) publishes. */
  private healthy = true;
  /** Fast-path publishes not yet acknowledged. */
  private readonly inFlight = new Set<Promise<void>>();
  private readonly restores: Counter;
  /** Ids the fast path is publishing or marking: the drain leaves them alone. */
  private readonly fastIds = new Set<string>();
  /** Acknowledged ids waiting to be marked sent. */
  private toMark: Published[] = [];
  private marking: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
    @Inject(ROOT_LOGGER) private readonly log: Logger,
    private readonly keys: KeyStoreService,
    metrics: Metrics,
  ) {
    this.restores = metrics.counter('outbox_stream_restores_total', 'Times the relay leader found the event stream missing events and began to re-publish the live set (the log says why)', []);
  }

  onApplicationBootstrap(): void {
    if (!this.config.OUTBOX_RELAY) return;
    this.loop = this.run().catch((err: unknown) => this.log.error({ err }, 'outbox relay stopped'));
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
    await this.flushMarks();
    await this.db?.end().catch(() => undefined);
    await this.peer?.close();
    await this.nc?.drain().catch(() => undefined);
  }

  private async run(): Promise<void> {
    let backoff = 100;
    while (!this.stopped) {
      try {
        await this.ensureConnected();
        const wasLeader = this.leader;
        if (!this.leader) this.leader = await this.tryLead();
        if (this.leader && !wasLeader) this.log.info('outbox relay: publishing for this deployment');
        if (this.leader) await this.guardStream();
        const sent = this.leader ? await this.drain() : 0;
        this.healthy = true;
        backoff = 100;
        if (sent < BATCH) await this.sleep(IDLE_POLL_MS);
      } catch (err) {
        this.healthy = false;
        this.log.warn({ err: err instanceof Error ? err.message : 'error', retryInMs: backoff }, 'outbox relay: publish failed, retrying');
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }

  private async ensureConnected(): Promise<void> {
    if (!this.db) {
      const client = new Client({ connectionString: this.config.DATABASE_URL, application_name: 'gatehouse-outbox-relay' });
      client.on('notification', (n) => this.onNotification(n));
      client.on('error', () => this.dropDb(client));
      client.on('end', () => this.dropDb(client));
      try {
        await client.connect();
        await client.query(`LISTEN ${CHANNEL}`);
      } catch (err) {
        await client.end().catch(() => undefined);
        throw err;
      }
      this.db = client;
    }
    if (!this.publisher) {
      const access = natsAccessFrom(this.config);
      if (!this.nc && !hasCredentials(access)) this.log.warn('outbox relay: connecting to NATS without credentials (NATS_USER, NATS_PASSWORD): acceptable for a development NATS only');
      this.nc ??= await connectNats(this.config.NATS_URL, 'auth-service-outbox', access);
      const stream = { name: this.config.EVENTS_STREAM, subjectPrefix: this.config.EVENTS_SUBJECT_PREFIX, numReplicas: this.config.EVENTS_STREAM_REPLICAS };
      await ensureEventStream(await this.nc.jetstreamManager(), stream);
      this.guard ??= new StreamGuard(this.nc, stream, this.log, () => this.restores.inc());
      // Optional: without the second connection the fast path still runs on the first one.
      this.peer ??= await connectFastPathPeer(this.config.NATS_URL, 'auth-service-fast', this.nc, access).catch((err: unknown) => {
        this.log.warn({ err: err instanceof Error ? err.message : 'error' }, 'outbox relay: second fast-path connection failed');
        return null;
      });
      this.publisher = new EventPublisher(this.nc, { prefix: this.config.EVENTS_SUBJECT_PREFIX, ...(this.peer ? { fastPathPeer: this.peer.nc } : {}) });
    }
  }

  /** The connection is gone, and with it the lock: stop leading until it is re-taken. */
  private dropDb(client: Client): void {
    if (this.db !== client) return;
    this.db = null;
    void client.end().catch(() => undefined);
    if (this.leader && !this.stopped) this.log.warn('outbox relay: lost its database connection; another replica may take over');
    this.leader = false;
  }

  private async tryLead(): Promise<boolean> {
    const db = this.db;
    if (!db) return false;
    const res = await db.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [RELAY_LOCK_ID]);
    return res.rows[0]?.ok === true;
  }

  /** The fast path: the leader publishes the event carried by the notification at once. */
  private onNotification(n: Notification): void {
    if (this.stopped || !n.payload) return;
    const row = notifiedRow(n.payload);
    // Every replica hears every outbox row: a forced rotation on one replica makes all of them
    // reload their keys now, not at their next KEY_CHECK_INTERVAL (they would otherwise keep
    // signing with, and accepting, a key that has just been dropped as compromised).
    if (row?.subject === EVENT_SUBJECTS.keysRotated) {
      this.keys.reload().catch((err: unknown) => this.log.error({ err: err instanceof Error ? err.message : 'error' }, 'outbox relay: key reload after a rotation event failed'));
    }
    // Every replica sends the fast-path copy of every row it hears about, leader or not, and even
    // while JetStream is failing (a stream leader election): it needs only a live NATS node, so
    // verifiers stay current while a relay leader is replaced or a stream leader is elected.
    // Consumers apply the copies once, by event id; the leader alone publishes to the stream.
    if (row) this.announce(row);
    if (!this.leader) return;
    if (!row) {
      this.wake?.(); // an id-only or unreadable notification: let the drain read the row
      return;
    }
    if (!this.healthy) return;
    this.fastIds.add(row.id);
    const publishing = this.publish(row, false).then(
      (ack) => this.mark([{ id: row.id, seq: ack?.seq ?? null }]),
      () => {
        // Left unsent; the drain retries it with backoff.
        this.fastIds.delete(row.id);
        this.healthy = false;
        this.wake?.();
      },
    );
    this.inFlight.add(publishing);
    void publishing.finally(() => this.inFlight.delete(publishing));
  }

  /**
   * Publishes one batch of unsent rows with every publish in flight at once (one connection
   * keeps them in order and the acks come back together), then marks the acknowledged ones.
   * Rows the fast path is handling are skipped. Returns how many rows were marked.
   *
   * @throws the first publish failure, after the acknowledged rows are marked
   */
  private async drain(): Promise<number> {
    const db = this.db;
    if (!db) return 0;
    const unsent = await db.query<OutboxRow>('SELECT id, subject, payload FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT $1', [BATCH]);
    const rows = unsent.rows.filter((row) => !this.fastIds.has(row.id));
    const outcomes = await Promise.allSettled(rows.map((row) => this.publish(row)));
    const done = outcomes.flatMap((o, i) => (o.status === 'fulfilled' && rows[i] ? [{ id: rows[i].id, seq: o.value?.seq ?? null }] : []));
    if (done.length > 0) await markSent(db, done);
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw failed.reason;
    return done.length;
  }

  /**
   * Publishes a row to the stream, after its fast-path copy unless `announce` is false (the caller
   * sent it already); an invalid event is logged and skipped (and marked sent all the same, with
   * no stream sequence). Returns JetStream's acknowledgement.
   */
  private async publish(row: OutboxRow, announce = true): Promise<PublishResult | null> {
    const publisher = this.publisher;
    if (!publisher) throw new Error('not connected to NATS');
    const event = parseEvent(row.subject, row.payload);
    if (!event) {
      this.log.error({ outboxId: row.id, subject: row.subject }, 'outbox relay: invalid event skipped');
      return null;
    }
    const ack = await publisher.publish(event.subject, event.payload, row.id, { announce });
    this.guard?.recorded(row.id, ack.seq);
    return ack;
  }

  /**
   * Every `EVENTS_CHECKPOINT_INTERVAL`: a checkpoint, or a restore when the stream lost events.
   * Its failures are logged and retried next time; they never stop the relay.
   */
  private async guardStream(): Promise<void> {
    const [guard, publisher, db] = [this.guard, this.publisher, this.db];
    if (!guard || !publisher || !db || Date.now() < this.nextCheckpointAt) return;
    this.nextCheckpointAt = Date.now() + this.config.EVENTS_CHECKPOINT_INTERVAL * 1000;
    try {
      if ((await guard.round(db, publisher)) === 'restored') this.nextCheckpointAt = 0;
    } catch (err) {
      this.log.warn({ err: err instanceof Error ? err.message : 'error' }, 'outbox relay: stream checkpoint failed; retrying');
    }
  }

  /** Sends only the fast-path copy of a row; failures are left to the durable path. */
  private announce(row: OutboxRow): void {
    const event = parseEvent(row.subject, row.payload);
    if (!event || !this.publisher) return;
    try {
      this.publisher.announce(event.subject, event.payload, row.id);
    } catch {
      // Closed connection: the stream publish fails too, and the drain retries both.
    }
  }

  /** Queues acknowledged ids; one UPDATE at a time marks everything queued so far. */
  private mark(rows: Published[]): void {
    this.toMark.push(...rows);
    this.marking ??= this.flushMarks().finally(() => {
      this.marking = null;
    });
  }

  private async flushMarks(): Promise<void> {
    while (this.toMark.length > 0) {
      const rows = this.toMark;
      this.toMark = [];
      const db = this.db;
      try {
        // Unmarked rows are published again by a later drain; JetStream drops the repeats.
        if (db) await markSent(db, rows);
      } catch (err) {
        this.log.warn({ err: err instanceof Error ? err.message : 'error', rows: rows.length }, 'outbox relay: could not mark rows sent; they will be published again');
      } finally {
        for (const row of rows) this.fastIds.delete(row.id);
      }
    }
  }

  /** Waits `ms`, or until woken (shutdown, or a notification the fast path could not handle). */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
