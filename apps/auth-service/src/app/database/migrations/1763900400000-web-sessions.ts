import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Web sessions live in the one session registry: a `web` row carries the SHA-256 of its cookie
 * value (never the value) and the synchronizer CSRF token its forms must echo.
 */
export class WebSessions1763900400000 implements MigrationInterface {
  name = 'WebSessions1763900400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sessions ADD COLUMN cookie_hash bytea, ADD COLUMN csrf_token text`);
    await q.query(`CREATE UNIQUE INDEX sessions_cookie_hash_key ON sessions (cookie_hash) WHERE cookie_hash IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX sessions_cookie_hash_key`);
    await q.query(`ALTER TABLE sessions DROP COLUMN csrf_token, DROP COLUMN cookie_hash`);
  }
}
