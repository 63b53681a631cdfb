import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Indexes for the OpenID Provider's retention rules: finished logout deliveries, consents of revoked clients. */
export class OpenIdRetention1764100100000 implements MigrationInterface {
  name = 'OpenIdRetention1764100100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX logout_deliveries_finished ON logout_deliveries ((COALESCE(delivered_at, failed_at)))`);
    await q.query(`CREATE INDEX consents_client ON consents (client_id)`);
    await q.query(`CREATE INDEX clients_revoked ON clients (revoked_at) WHERE revoked_at IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX clients_revoked`);
    await q.query(`DROP INDEX consents_client`);
    await q.query(`DROP INDEX logout_deliveries_finished`);
  }
}
