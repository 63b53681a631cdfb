import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Token exchange (RFC 8693): each client's exchange policy, stored with its other metadata. */
export class TokenExchange1764200000000 implements MigrationInterface {
  name = 'TokenExchange1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE clients ADD COLUMN token_exchange jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE clients DROP COLUMN token_exchange`);
  }
}
