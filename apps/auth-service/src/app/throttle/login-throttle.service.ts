import { RateLimitedError } from '@gatehouse/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { AUTH_CONFIG } from '../config/config.tokens';
import type { AuthConfig } from '../config/config.schema';
import { queryRows } from '../database/query-rows';

/**
 * Login throttling in Postgres, so every replica sees the same counters.
 * Per account: after LOGIN_MAX_FAILURES failures in the window, a lockout that doubles with each
 * further failure (LOGIN_LOCKOUT_BASE … LOGIN_LOCKOUT_MAX) and then expires by itself, so an
 * attacker is slowed while the owner is only briefly locked out. Per IP: a plain cap per window.
 */
@Injectable()
export class LoginThrottle {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  /**
   * Checks both keys in one query and says whether the account has a counter at all, so that a
   * successful login only pays for {@link recordSuccess} when there is something to clear.
   *
   * @throws RateLimitedError (`AUTH_RATE_LIMITED`) while the account or IP is locked
   */
  async assertAllowed(email: string, ip: string): Promise<{ accountTracked: boolean }> {
    const account = accountKey(email);
    const rows = await queryRows<{ retry: number | null; tracked: boolean | null }>(
      this.ds.manager,
      `SELECT ceil(extract(epoch FROM max(locked_until) FILTER (WHERE locked_until > now()) - now()))::int AS retry,
              bool_or(key = $2) AS tracked
         FROM login_throttle WHERE key = ANY($1)`,
      [[account, ipKey(ip)], account],
    );
    const row = rows[0];
    if (row && row.retry !== null) throw new RateLimitedError(Math.max(1, row.retry));
    return { accountTracked: row?.tracked === true };
  }

  /** Counts a failure for both keys; returns the Retry-After seconds if this failure locked one. */
  async recordFailure(email: string, ip: string): Promise<number | null> {
    const account = await this.bump(accountKey(email), this.config.LOGIN_MAX_FAILURES, true);
    const byIp = await this.bump(ipKey(ip), this.config.LOGIN_IP_MAX_FAILURES, false);
    const lock = Math.max(account ?? 0, byIp ?? 0);
    return lock > 0 ? lock : null;
  }

  /** A successful login clears the account's counter (not the IP's). */
  async recordSuccess(email: string): Promise<void> {
    await this.ds.query('DELETE FROM login_throttle WHERE key = $1', [accountKey(email)]);
  }

  /** Drops the account's counter in the caller's transaction: the key holds the e-mail address (account deletion). */
  async forgetAccount(em: EntityManager, email: string): Promise<void> {
    await em.query('DELETE FROM login_throttle WHERE key = $1', [accountKey(email)]);
  }

  private async bump(key: string, max: number, progressive: boolean): Promise<number | null> {
    const { LOGIN_FAILURE_WINDOW: window, LOGIN_LOCKOUT_BASE: base, LOGIN_LOCKOUT_MAX: cap } = this.config;
    const rows = await queryRows<{ failures: number }>(
      this.ds.manager,
      `INSERT INTO login_throttle AS t (key, failures, window_start) VALUES ($1, 1, now())
       ON CONFLICT (key) DO UPDATE SET
         failures = CASE WHEN t.window_start < now() - make_interval(secs => $2) AND (t.locked_until IS NULL OR t.locked_until < now())
                         THEN 1 ELSE t.failures + 1 END,
         window_start = CASE WHEN t.window_start < now() - make_interval(secs => $2) AND (t.locked_until IS NULL OR t.locked_until < now())
                         THEN now() ELSE t.window_start END
       RETURNING failures`,
      [key, window],
    );
    const failures = rows[0]?.failures ?? 1;
    if (failures < max) return null;
    const seconds = progressive ? Math.min(cap, base * 2 ** (failures - max)) : window;
    await this.ds.query('UPDATE login_throttle SET locked_until = now() + make_interval(secs => $2) WHERE key = $1', [key, seconds]);
    return seconds;
  }
}

function accountKey(email: string): string {
  return `acct:${email.trim().toLowerCase()}`;
}

function ipKey(ip: string): string {
  return `ip:${ip}`;
}
