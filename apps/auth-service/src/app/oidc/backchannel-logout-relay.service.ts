import { ROOT_LOGGER } from '@gatehouse/service-runtime';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { audit } from '../audit/audit';
import { AUTH_CONFIG } from '../config/config.tokens';
import type { AuthConfig } from '../config/config.schema';
import { queryRows } from '../database/query-rows';
import { RetryTimer } from '../database/retry-timer';
import { JwtSigner } from '../tokens/jwt-signer.service';
import { BACKCHANNEL_LOGOUT_EVENT, LOGOUT_DELIVERY_CHANNEL } from './backchannel-logout';

interface Delivery {
  id: string;
  client_id: string;
  user_id: string;
  session_id: string;
  uri: string;
  attempts: number;
}

const POLL_MS = 1000;
const BATCH = 20;
const TIMEOUT_MS = 5000;
/** A claimed delivery is someone else's to retry only after this lease (a crashed replica's rows come back). */
const LEASE_SECONDS = 30;
/** 1 s, 2 s, 4 s … capped at 10 min; after MAX_ATTEMPTS (about a day) the delivery is given up. */
const MAX_BACKOFF_SECONDS = 600;
const MAX_ATTEMPTS = 150;
/** `application_name` of the listening connection (pg_stat_activity; tests end it on purpose). */
export const LOGOUT_LISTENER_APPLICATION_NAME = 'gatehouse-logout-relay';
/** The listening connection is opened again after 1 s, 2 s, 4 s … at most this far apart (the poll delivers meanwhile). */
const MAX_RELISTEN_MS = 30_000;

/**
 * Delivers OIDC back-channel logout tokens (Back-Channel Logout 1.0 §2.5) from `logout_deliveries`.
 * Every replica may run it: rows are claimed with `FOR UPDATE SKIP LOCKED` and a lease, so each
 * delivery goes out once at a time. Woken by the insert trigger's NOTIFY, polled every second as
 * a fallback (also while the listening connection is down; it is opened again with backoff);
 * failures are retried with exponential backoff. Every delivery and failure is audited.
 */
@Injectable()
export class BackchannelLogoutRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private listener: Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private listening: Promise<void> | null = null;
  private readonly relisten = new RetryTimer(1000, MAX_RELISTEN_MS, () => {
    this.listening = this.listen().catch(() => undefined);
  });
  private stopped = false;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly signer: JwtSigner,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
    @Inject(ROOT_LOGGER) private readonly log: Logger,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.BACKCHANNEL_LOGOUT) return;
    this.timer = setInterval(() => this.wake(), POLL_MS);
    this.timer.unref();
    // Start-up does not wait for the listening connection: until it is up, the poll delivers.
    this.listening = this.listen().catch(() => undefined);
    this.wake();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.relisten.cancel();
    await this.listening;
    await this.listener?.end().catch(() => undefined);
    await this.running;
  }

  /** Runs a pass now, or right after the one in progress. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((err: unknown) => this.log.warn({ err: err instanceof Error ? err.message : 'error' }, 'back-channel logout: pass failed'))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async listen(): Promise<void> {
    if (this.stopped) return;
    const pg = new Client({ connectionString: this.config.DATABASE_URL, application_name: LOGOUT_LISTENER_APPLICATION_NAME, keepAlive: true });
    pg.on('notification', () => this.wake());
    pg.on('error', () => this.lost(pg));
    pg.on('end', () => this.lost(pg));
    try {
      await pg.connect();
      await pg.query(`LISTEN ${LOGOUT_DELIVERY_CHANNEL}`);
      if (this.stopped) throw new Error('stopped');
    } catch {
      // The poll still delivers, a second later.
      await pg.end().catch(() => undefined);
      if (!this.stopped) this.relisten.schedule();
      return;
    }
    this.listener = pg;
    this.relisten.succeeded();
    // NOTIFYs sent while nobody listened are not replayed: a pass now picks up their rows.
    this.wake();
  }

  /** The listening connection failed or ended: the poll delivers until it is open again. */
  private lost(pg: Client): void {
    if (this.listener !== pg) return;
    this.listener = null;
    if (this.stopped) return;
    this.log.warn('back-channel logout: lost the listening connection; polling every second until it is back');
    pg.end().catch(() => undefined);
    this.relisten.schedule();
  }

  private async drain(): Promise<void> {
    for (;;) {
      const due = await queryRows<Delivery>(
        this.ds.manager,
        `UPDATE logout_deliveries SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => $2)
          WHERE id IN (SELECT id FROM logout_deliveries WHERE delivered_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now()
                        ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
          RETURNING id, client_id, user_id, session_id, uri, attempts`,
        [BATCH, LEASE_SECONDS],
      );
      if (due.length === 0 || this.stopped) return;
      await Promise.all(due.map((d) => this.deliver(d)));
    }
  }

  private async deliver(d: Delivery): Promise<void> {
    const error = await this.post(d);
    const ctx = { userId: d.user_id, clientId: d.client_id, sessionId: d.session_id };
    if (error === null) {
      await this.ds.query('UPDATE logout_deliveries SET delivered_at = now(), last_error = NULL WHERE id = $1', [d.id]);
      await audit(this.ds.manager, 'backchannel_logout_delivered', { ...ctx, details: { attempt: d.attempts } });
      return;
    }
    const giveUp = d.attempts >= MAX_ATTEMPTS;
    const backoff = Math.min(2 ** (d.attempts - 1), MAX_BACKOFF_SECONDS);
    await this.ds.query(
      `UPDATE logout_deliveries SET last_error = $2, next_attempt_at = now() + make_interval(secs => $3), failed_at = CASE WHEN $4 THEN now() END WHERE id = $1`,
      [d.id, error, backoff, giveUp],
    );
    await audit(this.ds.manager, 'backchannel_logout_failed', { ...ctx, details: { attempt: d.attempts, error, gaveUp: giveUp } });
  }

  /** POSTs the logout token; null on 2xx, otherwise a short reason (no response body is kept). */
  private async post(d: Delivery): Promise<string | null> {
    const iat = Math.floor(Date.now() / 1000);
    const token = this.signer.sign('logout+jwt', {
      iss: this.config.ISSUER,
      aud: d.client_id,
      iat,
      exp: iat + 120,
      jti: randomUUID(),
      sub: d.user_id,
      sid: d.session_id,
      events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
    });
    try {
      const res = await fetch(d.uri, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ logout_token: token }).toString(),
        redirect: 'manual',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      await res.body?.cancel();
      return res.ok ? null : `HTTP ${res.status}`;
    } catch (err) {
      return err instanceof Error && err.name === 'TimeoutError' ? 'timeout' : 'unreachable';
    }
  }
}
