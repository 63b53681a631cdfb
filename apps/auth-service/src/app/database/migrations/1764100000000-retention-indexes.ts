import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When a session ended: revoked, idle-expired or past its absolute lifetime, whichever came first.
 * The janitor's retention rules and the `sessions_ended_at` index use this exact expression.
 */
export const SESSION_ENDED_AT = `LEAST(COALESCE(revoked_at, 'infinity'::timestamptz), idle_expires_at, absolute_expires_at)`;

/**
 * Indexes that keep storage bounded and the hot paths flat as history grows: the janitor finds
 * expired rows by index (never a full scan per batch), and deleting a user does not scan every
 * session, refresh token or audit row (the foreign keys cascade by `user_id`).
 */
export class RetentionIndexes1764100000000 implements MigrationInterface {
  name = 'RetentionIndexes1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id)`);
    await q.query(`CREATE INDEX refresh_tokens_rotated_expiry ON refresh_tokens (expires_at) WHERE rotated_at IS NOT NULL`);
    await q.query(`CREATE INDEX sessions_user ON sessions (user_id)`);
    await q.query(`CREATE INDEX sessions_ended_at ON sessions ((${SESSION_ENDED_AT}))`);
    await q.query(`CREATE INDEX outbox_sent_at ON outbox (sent_at) WHERE sent_at IS NOT NULL`);
    await q.query(`CREATE INDEX login_throttle_window ON login_throttle (window_start)`);
    await q.query(`CREATE INDEX audit_log_user ON audit_log (user_id) WHERE user_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const index of ['audit_log_user', 'login_throttle_window', 'outbox_sent_at', 'sessions_ended_at', 'sessions_user', 'refresh_tokens_rotated_expiry', 'refresh_tokens_user']) {
      await q.query(`DROP INDEX ${index}`);
    }
  }
}
