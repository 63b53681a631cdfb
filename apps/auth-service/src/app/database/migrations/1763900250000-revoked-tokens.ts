import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Individually revoked access tokens (RFC 7009), kept until they would have expired anyway. */
export class RevokedTokens1763900250000 implements MigrationInterface {
  name = 'RevokedTokens1763900250000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE revoked_tokens (jti text PRIMARY KEY, expires_at timestamptz NOT NULL)`);
    await q.query(`CREATE INDEX revoked_tokens_expiry ON revoked_tokens (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE revoked_tokens`);
  }
}
