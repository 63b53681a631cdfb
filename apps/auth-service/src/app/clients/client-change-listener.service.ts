import { ROOT_LOGGER } from '@gatehouse/service-runtime';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Client } from 'pg';
import type { Logger } from 'pino';
import { AUTH_CONFIG } from '../config/config.tokens';
import type { AuthConfig } from '../config/config.schema';
import { RetryTimer } from '../database/retry-timer';
import { ClientCache } from './client-cache';
import { CLIENT_CHANGES_CHANNEL } from './client-changes';

const HEARTBEAT_MS = 10_000;
const HEARTBEAT_TIMEOUT_MS = 5_000;
const MAX_BACKOFF_MS = 5_000;
/** `application_name` of the listening connection (pg_stat_activity; tests end it on purpose). */
export const CLIENT_LISTENER_APPLICATION_NAME = 'gatehouse-client-cache';

/**
 * LISTENs for client changes on a dedicated Postgres connection and drops the changed client
 * from this replica's {@link ClientCache}. The cache is on only while the connection is up: lost
 * (error, end, or a heartbeat that does not come back) means caching stops and every entry goes
 * until a new connection is listening, because NOTIFYs sent in between are not replayed.
 */
@Injectable()
export class ClientChangeListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private pg: Client | null = null;
  private stopped = false;
  private readonly retry = new RetryTimer(100, MAX_BACKOFF_MS, () => {
    this.connect().catch((err: unknown) => this.log.error({ err }, 'client cache: listener reconnect failed'));
  });
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(
    private readonly cache: ClientCache,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
    @Inject(ROOT_LOGGER) private readonly log: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.CLIENT_CACHE_TTL > 0) await this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.retry.cancel();
    const pg = this.pg;
    if (pg) this.lost(pg);
    await pg?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const pg = new Client({
      connectionString: this.config.DATABASE_URL,
      application_name: CLIENT_LISTENER_APPLICATION_NAME,
      keepAlive: true,
      query_timeout: HEARTBEAT_TIMEOUT_MS,
    });
    pg.on('notification', (msg) => {
      if (msg.channel === CLIENT_CHANGES_CHANNEL && msg.payload) this.cache.invalidate(msg.payload);
    });
    pg.on('error', () => this.lost(pg));
    pg.on('end', () => this.lost(pg));
    try {
      await pg.connect();
      await pg.query(`LISTEN ${CLIENT_CHANGES_CHANNEL}`);
    } catch (err) {
      await pg.end().catch(() => undefined);
      const retryInMs = this.stopped ? 0 : this.retry.schedule();
      this.log.warn({ err: err instanceof Error ? err.message : 'error', retryInMs }, 'client cache: cannot listen for client changes; cache off');
      return;
    }
    if (this.stopped) {
      await pg.end().catch(() => undefined);
      return;
    }
    this.pg = pg;
    this.retry.succeeded();
    this.cache.enable();
    this.heartbeat = setInterval(() => {
      pg.query('SELECT 1').catch(() => this.lost(pg));
    }, HEARTBEAT_MS).unref();
  }

  /** The listening connection failed: stop caching now, reconnect later. */
  private lost(pg: Client): void {
    if (this.pg !== pg) return;
    this.pg = null;
    this.cache.disable();
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    if (this.stopped) return;
    this.log.warn('client cache: lost the client-change listener; cache off until it reconnects');
    pg.end().catch(() => undefined);
    this.retry.schedule();
  }
}
