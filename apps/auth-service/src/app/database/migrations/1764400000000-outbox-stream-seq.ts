import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The stream sequence JetStream gave each published outbox row, so the relay can tell whether the
 * stream still holds every event whose tokens may be unexpired (its checkpoints), and the index
 * that finds the oldest such row (docs/adr/0003-nats-accounts-and-permissions.md).
 */
export class OutboxStreamSeq1764400000000 implements MigrationInterface {
  name = 'OutboxStreamSeq1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox ADD COLUMN stream_seq bigint`);
    await q.query(`CREATE INDEX outbox_created_at ON outbox (created_at, id) WHERE stream_seq IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX outbox_created_at`);
    await q.query(`ALTER TABLE outbox DROP COLUMN stream_seq`);
  }
}
