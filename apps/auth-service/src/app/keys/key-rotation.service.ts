import { EVENT_SUBJECTS } from '@gatehouse/contracts';
import { ROOT_LOGGER } from '@gatehouse/service-runtime';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import { DataSource, In, type EntityManager } from 'typeorm';
import { audit } from '../audit/audit';
import { AUTH_CONFIG } from '../config/config.tokens';
import type { AuthConfig } from '../config/config.schema';
import { enqueueEvent } from '../events/outbox';
import { KeyEncryption } from './key-encryption';
import { KEY_ENCRYPTION, KeyStoreService, newSigningKey } from './key-store.service';
import { planRotation, type RotationPolicy } from './rotation-schedule';
import { SigningKeyEntity } from './signing-key.entity';

/** Advisory lock shared by every writer of `signing_keys`, so replicas never race. */
const KEY_LOCK_ID = 7_316_002;

/** Who asked for a forced rotation, for the audit log. */
export interface RotationActor {
  userId: string;
  ip?: string | null;
}

/** Builds the rotation policy (milliseconds) from config; see RotationPolicy for the reasoning. */
export function rotationPolicy(config: AuthConfig): RotationPolicy {
  return {
    intervalMs: config.KEY_ROTATION_INTERVAL * 1000,
    leadMs: (config.KEY_PUBLISH_AHEAD + config.KEY_CHECK_INTERVAL) * 1000,
    tailMs: (config.ACCESS_TOKEN_TTL + config.KEY_CHECK_INTERVAL + config.KEY_CLOCK_SKEW) * 1000,
  };
}

/**
 * Scheduled and forced key rotation. Every replica checks every `KEY_CHECK_INTERVAL` seconds:
 * under a Postgres advisory transaction lock it applies {@link planRotation} (create a successor,
 * retire/expire the predecessor, delete expired keys), then reloads its KeyStoreService.
 * Scheduled steps write an audit row but no event: verifiers see the successor through the JWKS
 * long before it signs. A forced rotation publishes `gatehouse.keys.rotated`.
 */
@Injectable()
export class KeyRotationService implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly policy: RotationPolicy;
  private readonly checkIntervalMs: number;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(KEY_ENCRYPTION) private readonly sealer: KeyEncryption,
    private readonly store: KeyStoreService,
    @Inject(AUTH_CONFIG) config: AuthConfig,
    @Inject(ROOT_LOGGER) private readonly log: Logger,
  ) {
    this.policy = rotationPolicy(config);
    this.checkIntervalMs = config.KEY_CHECK_INTERVAL * 1000;
  }

  /**
   * Loads the keys (failing fast on a wrong KEY_ENCRYPTION_KEY, before this replica writes any
   * key the others could not decrypt), then runs one step so a signing key exists before serving.
   */
  async onModuleInit(): Promise<void> {
    await this.store.reload();
    await this.check();
    this.store.signingKey();
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.tick(), this.checkIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One scheduled rotation step under the lock, then a reload. Safe to call from every replica at once. */
  async check(): Promise<void> {
    await this.ds.transaction(async (em) => {
      await em.query('SELECT pg_advisory_xact_lock($1)', [KEY_LOCK_ID]);
      await this.applyPlan(em);
    });
    await this.store.reload();
  }

  /**
   * Compromise response: a new key signs at once, every other key leaves the JWKS now, and
   * `gatehouse.keys.rotated {kids: [new kid]}` plus an audit row are written in the same transaction.
   * This replica switches at once; the others as soon as the event's outbox NOTIFY reaches their
   * outbox relay (milliseconds), at the latest on their next check (≤ KEY_CHECK_INTERVAL).
   *
   * @returns the kid of the new signing key
   */
  async forceRotate(actor: RotationActor): Promise<string> {
    const row = await newSigningKey(this.sealer, new Date(), new Date());
    const dropped = await this.ds.transaction(async (em) => {
      await em.query('SELECT pg_advisory_xact_lock($1)', [KEY_LOCK_ID]);
      const now = new Date();
      row.publishAt = now;
      row.activateAt = now;
      const rows = await em.getRepository(SigningKeyEntity).find({ select: { kid: true, expireAt: true } });
      const live = rows.filter((k) => k.expireAt === null || k.expireAt > now).map((k) => k.kid);
      await em.query(
        `UPDATE signing_keys SET retire_at = LEAST(COALESCE(retire_at, $1::timestamptz), $1::timestamptz), expire_at = $1::timestamptz
          WHERE expire_at IS NULL OR expire_at > $1::timestamptz`,
        [now],
      );
      await em.getRepository(SigningKeyEntity).insert(row);
      await enqueueEvent(em, EVENT_SUBJECTS.keysRotated, { v: 1, kids: [row.kid] });
      await audit(em, 'key_rotated', { userId: actor.userId, ip: actor.ip ?? null, details: { reason: 'forced', kid: row.kid, dropped: live.length } });
      return live;
    });
    this.log.warn({ kid: row.kid, dropped }, 'forced signing key rotation');
    await this.store.reload();
    return row.kid;
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.check()
      .catch((err: unknown) => this.log.error({ err }, 'signing key rotation check failed'))
      .finally(() => {
        this.running = null;
      });
  }

  private async applyPlan(em: EntityManager): Promise<void> {
    const repo = em.getRepository(SigningKeyEntity);
    const rows = await repo.find({ select: { kid: true, publishAt: true, activateAt: true, retireAt: true, expireAt: true } });
    const plan = planRotation(rows, new Date(), this.policy);
    if (plan.remove.length > 0) {
      await repo.delete({ kid: In(plan.remove) });
      this.log.info({ kids: plan.remove }, 'deleted expired signing keys');
    }
    for (const r of plan.retire) {
      await repo.update({ kid: r.kid }, { retireAt: r.retireAt, expireAt: r.expireAt });
      this.log.info({ kid: r.kid, retireAt: r.retireAt, expireAt: r.expireAt }, 'retired signing key');
    }
    if (plan.create) {
      const row = await newSigningKey(this.sealer, plan.create.publishAt, plan.create.activateAt);
      await repo.insert(row);
      const reason = rows.length === 0 ? 'initial' : 'scheduled';
      await audit(em, 'key_rotated', { details: { reason, kid: row.kid, activate_at: row.activateAt.toISOString() } });
      this.log.info({ kid: row.kid, activateAt: row.activateAt, reason }, 'published new signing key');
    }
  }
}
