import { Metrics, ROOT_LOGGER } from '@gatehouse/service-runtime';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import { Gauge, type Counter } from 'prom-client';
import { DataSource, type QueryRunner } from 'typeorm';
import { AUTH_CONFIG } from '../config/config.tokens';
import type { AuthConfig } from '../config/config.schema';
import { batchDeleteSql, countSql, RETENTION_RULES, type RetentionRule } from './retention-rules';

/** Every replica and the CLI take this advisory lock, so one janitor runs at a time. */
const JANITOR_LOCK_ID = 7_316_004;

/** How a run was asked for. */
export interface JanitorOptions {
  /** Count what would go, delete nothing. */
  dryRun?: boolean;
  /** Keep every row younger than this many seconds, whatever the rules say. */
  keepIfYoungerSeconds?: number;
}

/** What one rule did (or, in a dry run, would do). */
export interface RuleReport {
  rule: string;
  table: string;
  setting: string;
  cutoff: string;
  /** Rows deleted, or in a dry run the rows that would be. */
  rows: number;
  batches: number;
  durationMs: number;
}

/** The JSON the CLI prints and a scheduled run logs. */
export interface JanitorReport {
  ran: boolean;
  dryRun: boolean;
  /** Why nothing ran (another janitor holds the lock). */
  reason?: string;
  startedAt: string;
  durationMs: number;
  rules: RuleReport[];
}

/**
 * Deletes what the retention rules say has expired, in small batches (one short statement per
 * batch, a pause between them), so it never holds locks that logins wait for. Runs every
 * JANITOR_INTERVAL seconds on whichever replica gets the advisory lock, and from the CLI.
 */
@Injectable()
export class Janitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<unknown> | null = null;
  private stopping = false;
  private readonly deleted: Counter<'rule' | 'table'>;
  private readonly lastRun: Gauge;
  private readonly lastDuration: Gauge;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
    @Inject(ROOT_LOGGER) private readonly log: Logger,
    metrics: Metrics,
  ) {
    this.deleted = metrics.counter('janitor_rows_deleted_total', 'Rows the janitor deleted, by retention rule and table', ['rule', 'table']);
    this.lastRun = new Gauge({ name: 'janitor_last_run_timestamp_seconds', help: 'When the last janitor run on this replica finished', registers: [metrics.registry] });
    this.lastDuration = new Gauge({ name: 'janitor_last_run_duration_seconds', help: 'How long the last janitor run on this replica took', registers: [metrics.registry] });
  }

  onApplicationBootstrap(): void {
    this.schedule();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    await this.current?.catch(() => undefined);
  }

  /** The rules this janitor applies, in order. */
  rules(): readonly RetentionRule[] {
    return RETENTION_RULES;
  }

  /**
   * One run over every rule. Without the lock (another replica or the CLI is running) it returns
   * `ran: false` at once; a dry run needs no lock.
   */
  run(options: JanitorOptions = {}): Promise<JanitorReport> {
    const run = this.runOnce(options);
    this.current = run;
    return run;
  }

  private schedule(): void {
    if (this.config.JANITOR_INTERVAL === 0 || this.stopping) return;
    this.timer = setTimeout(() => {
      this.run()
        .then((report) => {
          if (report.ran) this.log.info({ janitor: report.rules.map((r) => ({ rule: r.rule, rows: r.rows })), durationMs: report.durationMs }, 'janitor run');
        })
        .catch((err: unknown) => this.log.error({ err }, 'janitor run failed'))
        .finally(() => this.schedule());
    }, this.config.JANITOR_INTERVAL * 1000);
    this.timer.unref();
  }

  private async runOnce(options: JanitorOptions): Promise<JanitorReport> {
    const started = Date.now();
    const dryRun = options.dryRun === true;
    const qr = this.ds.createQueryRunner();
    await qr.connect();
    try {
      const rows: { ok: boolean; now: Date }[] = await qr.query('SELECT pg_try_advisory_lock($1) AS ok, now() AS now', [JANITOR_LOCK_ID]);
      const locked = rows[0]?.ok === true;
      const base = { dryRun, startedAt: new Date(started).toISOString() };
      if (!dryRun && !locked) return { ...base, ran: false, reason: 'another janitor run holds the lock', durationMs: Date.now() - started, rules: [] };
      try {
        const now = rows[0]?.now ?? new Date();
        const reports: RuleReport[] = [];
        for (const rule of RETENTION_RULES) {
          if (this.stopping) break;
          reports.push(await this.apply(qr, rule, this.cutoff(rule, now, options), dryRun));
        }
        const durationMs = Date.now() - started;
        if (!dryRun) {
          this.lastRun.set(Date.now() / 1000);
          this.lastDuration.set(durationMs / 1000);
        }
        return { ...base, ran: true, durationMs, rules: reports };
      } finally {
        if (locked) await qr.query('SELECT pg_advisory_unlock($1)', [JANITOR_LOCK_ID]);
      }
    } finally {
      await qr.release();
    }
  }

  /** Rows stop mattering `grace` seconds after their moment; `--keep-if-younger` can only move that earlier. */
  private cutoff(rule: RetentionRule, now: Date, options: JanitorOptions): Date {
    const grace = Math.max(this.config[rule.setting], options.keepIfYoungerSeconds ?? 0);
    return new Date(now.getTime() - grace * 1000);
  }

  private async apply(qr: QueryRunner, rule: RetentionRule, cutoff: Date, dryRun: boolean): Promise<RuleReport> {
    const started = Date.now();
    const batch = this.config.JANITOR_BATCH_SIZE;
    const params = [cutoff, batch, ...(rule.params?.(this.config) ?? [])];
    const report = { rule: rule.name, table: rule.table, setting: rule.setting, cutoff: cutoff.toISOString(), rows: 0, batches: 0, durationMs: 0 };
    if (dryRun) {
      const counted: { n: string }[] = await qr.query(countSql(rule), params);
      report.rows = Number(counted[0]?.n ?? 0);
    } else {
      const sql = batchDeleteSql(rule);
      for (;;) {
        // The structured result carries the DELETE's row count.
        const result = (await qr.query(sql, params, true)) as { affected?: number | null };
        const affected = result.affected ?? 0;
        report.batches++;
        report.rows += affected;
        if (affected > 0) this.deleted.inc({ rule: rule.name, table: rule.table }, affected);
        if (affected < batch || this.stopping) break;
        if (this.config.JANITOR_BATCH_PAUSE > 0) await new Promise((resolve) => setTimeout(resolve, this.config.JANITOR_BATCH_PAUSE));
      }
    }
    report.durationMs = Date.now() - started;
    return report;
  }
}
