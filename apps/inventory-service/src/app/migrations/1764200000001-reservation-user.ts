import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Token exchange: a reservation records the user it was made for (the exchanged token's `sub`)
 * beside the service that made it (`reserved_by`, the acting client). Null for reservations made
 * before, with a service's own token.
 */
export class ReservationUser1764200000001 implements MigrationInterface {
  name = 'ReservationUser1764200000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE reservations ADD COLUMN user_id text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE reservations DROP COLUMN user_id`);
  }
}
