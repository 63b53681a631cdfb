import { parseEvent } from '@gatehouse/contracts';
import { connectNats, ensureEventStream, EventPublisher } from '@gatehouse/revocation-events';
import { ROOT_LOGGER } from '@gatehouse/service-runtime';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { NatsConnection } from 'nats';
import { Client } from 'pg';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { AUTH_CONFIG } from '../config/config.tokens';
import type { AuthConfig } from '../config/config.schema';

const RELAY_LOCK_ID = 7_316_003;
const BATCH = 100;
const IDLE_POLL_MS = 1000;
const MAX_BACKOFF_MS = 5000;

interface OutboxRow {
  id: string;
  subject: string;
  payload: unknown;
}

/**
 * Publishes outbox rows to JetStream with `Nats-Msg-Id` = outbox id, in id order among the rows
 * committed so far, then marks them sent. Wakes on Postgres NOTIFY (milliseconds after commit) with a 1 s poll as a safety net.
 * One replica publishes at a time (advisory lock), so order holds; a crash between publish and
 * mark re-publishes the same ids, which JetStream's duplicate window drops.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private stopped = false;
  private loop: Promise<void> | null = null;
  private nc: NatsConnection | null = null;
  private publisher: EventPublisher | null = null;
  private listener: Client | null = null;
  private wake: (() => void) | null = null;
  /** A NOTIFY arrived since the last drain started: drain again before sleeping. */
  private pending = false;
  /** False during a backoff: a NOTIFY does not cut it short (shutdown still does). */
  private wakeOnNotify = true;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
    @Inject(ROOT_LOGGER) private readonly log: Logger,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.OUTBOX_RELAY) return;
    this.loop = this.run().catch((err: unknown) => this.log.error({ err }, 'outbox relay stopped'));
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    await this.listener?.end().catch(() => undefined);
    await this.nc?.drain().catch(() => undefined);
  }

  private async run(): Promise<void> {
    let backoff = 100;
    while (!this.stopped) {
      try {
        await this.ensureConnected();
        const sent = await this.drainOnce();
        backoff = 100;
        if (sent < BATCH) await this.sleep(IDLE_POLL_MS);
      } catch (err) {
        this.log.warn({ err: err instanceof Error ? err.message : 'error', retryInMs: backoff }, 'outbox relay: publish failed, retrying');
        await this.sleep(backoff, false);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }

  private async ensureConnected(): Promise<void> {
    if (!this.listener) {
      const client = new Client({ connectionString: this.config.DATABASE_URL });
      client.on('notification', () => {
        this.pending = true;
        if (this.wakeOnNotify) this.wake?.();
      });
      client.on('error', () => {
        this.listener = null;
      });
      await client.connect();
      await client.query('LISTEN gatehouse_outbox');
      this.listener = client;
    }
    if (!this.publisher) {
      this.nc ??= await connectNats(this.config.NATS_URL, 'auth-service-outbox');
      await ensureEventStream(await this.nc.jetstreamManager(), { name: this.config.EVENTS_STREAM, subjectPrefix: this.config.EVENTS_SUBJECT_PREFIX, numReplicas: this.config.EVENTS_STREAM_REPLICAS });
      this.publisher = new EventPublisher(this.nc, { prefix: this.config.EVENTS_SUBJECT_PREFIX });
    }
  }

  /**
   * Publishes one batch with every publish in flight at once (one connection keeps them in order,
   * and the acks come back together), then marks the acknowledged rows sent. Awaiting each ack
   * before the next publish capped the relay at one event per round trip. A failed publish
   * fails the batch after the acknowledged rows are marked; the rest are retried, and anything
   * published but not marked is dropped by JetStream's duplicate window when it is published again.
   * Returns how many rows were marked sent.
   */
  private async drainOnce(): Promise<number> {
    const publisher = this.publisher;
    if (!publisher) return 0;
    this.pending = false;
    let failure: unknown = null;
    const sent = await this.ds.transaction(async (em) => {
      const [lock] = (await em.query('SELECT pg_try_advisory_xact_lock($1) AS ok', [RELAY_LOCK_ID])) as [{ ok: boolean }];
      if (!lock.ok) return 0;
      const rows: OutboxRow[] = await em.query('SELECT id, subject, payload FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT $1', [BATCH]);
      const outcomes = await Promise.allSettled(
        rows.map(async (row) => {
          const event = parseEvent(row.subject, row.payload);
          if (event) await publisher.publish(event.subject, event.payload, row.id);
          else this.log.error({ outboxId: row.id, subject: row.subject }, 'outbox relay: invalid event skipped');
        }),
      );
      const done = rows.filter((_, i) => outcomes[i]?.status === 'fulfilled').map((row) => row.id);
      const rejected = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
      if (rejected) failure = rejected.reason;
      if (done.length > 0) await em.query('UPDATE outbox SET sent_at = now() WHERE id = ANY($1::bigint[])', [done]);
      return done.length;
    });
    if (failure) throw failure;
    return sent;
  }

  /**
   * Waits `ms`, or until a NOTIFY or shutdown; with `skipIfPending` false (a backoff after a
   * failure) only shutdown ends it early.
   */
  private sleep(ms: number, skipIfPending = true): Promise<void> {
    if (skipIfPending && this.pending) return Promise.resolve();
    this.wakeOnNotify = skipIfPending;
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
