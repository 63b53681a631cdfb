import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Second factors (TOTP, passkeys), recovery codes, short-lived sign-in challenges, and the
 * authentication methods (`amr`, RFC 8176) and time of every session. Existing sessions were
 * password sign-ins, hence the `{pwd}` default.
 */
export class SecondFactors1764300000000 implements MigrationInterface {
  name = 'SecondFactors1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE user_factors (
      id uuid PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      kind text NOT NULL CHECK (kind IN ('totp', 'passkey')),
      label text NOT NULL,
      confirmed_at timestamptz,
      totp_secret_sealed text,
      totp_last_step bigint,
      credential_id bytea UNIQUE,
      public_key bytea,
      sign_count bigint,
      transports text[],
      created_at timestamptz NOT NULL DEFAULT now(),
      last_used_at timestamptz,
      CHECK ((kind = 'totp') = (totp_secret_sealed IS NOT NULL)),
      CHECK ((kind = 'passkey') = (credential_id IS NOT NULL AND public_key IS NOT NULL))
    )`);
    await q.query(`CREATE INDEX user_factors_user ON user_factors (user_id)`);
    await q.query(`CREATE UNIQUE INDEX user_factors_one_totp ON user_factors (user_id) WHERE kind = 'totp' AND confirmed_at IS NOT NULL`);
    await q.query(`CREATE TABLE recovery_codes (
      code_hash bytea PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL DEFAULT now(),
      used_at timestamptz
    )`);
    await q.query(`CREATE INDEX recovery_codes_user ON recovery_codes (user_id)`);
    await q.query(`CREATE TABLE auth_challenges (
      token_hash bytea PRIMARY KEY,
      purpose text NOT NULL CHECK (purpose IN ('second_factor', 'passkey_register', 'passkey_login')),
      user_id uuid REFERENCES users(id) ON DELETE CASCADE,
      data jsonb NOT NULL DEFAULT '{}',
      attempts int NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      used_at timestamptz
    )`);
    await q.query(`CREATE INDEX auth_challenges_expires ON auth_challenges (expires_at)`);
    await q.query(`ALTER TABLE sessions ADD COLUMN amr text[] NOT NULL DEFAULT '{pwd}', ADD COLUMN auth_time timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sessions DROP COLUMN auth_time, DROP COLUMN amr`);
    await q.query(`DROP TABLE auth_challenges`);
    await q.query(`DROP TABLE recovery_codes`);
    await q.query(`DROP TABLE user_factors`);
  }
}
