import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Failed-login counters per account and per IP, shared by every replica. */
export class LoginThrottle1763900200000 implements MigrationInterface {
  name = 'LoginThrottle1763900200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE login_throttle (
        key text PRIMARY KEY,
        failures integer NOT NULL,
        window_start timestamptz NOT NULL,
        locked_until timestamptz
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE login_throttle`);
  }
}
