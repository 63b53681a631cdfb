import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * OpenID Provider: RFC 7591 client metadata, authorization codes (hash only), remembered consent,
 * sessions opened by an app's sign-in linked to the browser session that authorized them, and the
 * back-channel logout deliveries written in the same transaction as the session end.
 */
export class OpenIdProvider1764000000000 implements MigrationInterface {
  name = 'OpenIdProvider1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE clients
        ALTER COLUMN secret_hash DROP NOT NULL,
        ADD COLUMN redirect_uris text[] NOT NULL DEFAULT '{}',
        ADD COLUMN post_logout_redirect_uris text[] NOT NULL DEFAULT '{}',
        ADD COLUMN backchannel_logout_uri text,
        ADD COLUMN token_endpoint_auth_method text NOT NULL DEFAULT 'client_secret_basic'
          CHECK (token_endpoint_auth_method IN ('none', 'client_secret_basic', 'client_secret_post')),
        ADD COLUMN grant_types text[] NOT NULL DEFAULT '{client_credentials}',
        ADD COLUMN first_party boolean NOT NULL DEFAULT false,
        ADD CONSTRAINT clients_secret_unless_public CHECK ((token_endpoint_auth_method = 'none') = (secret_hash IS NULL))`);
    await q.query(`ALTER TABLE sessions ADD COLUMN parent_id uuid`);
    await q.query(`CREATE INDEX sessions_parent_live ON sessions (parent_id) WHERE parent_id IS NOT NULL AND revoked_at IS NULL`);
    await q.query(`
      CREATE TABLE authorization_codes (
        code_hash bytea PRIMARY KEY,
        client_id text NOT NULL,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        web_session_id uuid NOT NULL,
        redirect_uri text NOT NULL,
        code_challenge text NOT NULL,
        nonce text,
        scopes text[] NOT NULL,
        audiences text[] NOT NULL,
        auth_time timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        issued_session_id uuid
      )`);
    await q.query(`CREATE INDEX authorization_codes_expires ON authorization_codes (expires_at)`);
    await q.query(`
      CREATE TABLE consents (
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        client_id text NOT NULL,
        scopes text[] NOT NULL,
        audiences text[] NOT NULL,
        granted_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, client_id)
      )`);
    await q.query(`
      CREATE TABLE logout_deliveries (
        id bigserial PRIMARY KEY,
        client_id text NOT NULL,
        user_id uuid NOT NULL,
        session_id uuid NOT NULL,
        uri text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz,
        failed_at timestamptz,
        last_error text
      )`);
    await q.query(`CREATE INDEX logout_deliveries_due ON logout_deliveries (next_attempt_at) WHERE delivered_at IS NULL AND failed_at IS NULL`);
    await q.query(`
      CREATE FUNCTION logout_delivery_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('gatehouse_logout', NEW.id::text);
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER logout_delivery_notify AFTER INSERT ON logout_deliveries FOR EACH ROW EXECUTE FUNCTION logout_delivery_notify()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE logout_deliveries`);
    await q.query(`DROP FUNCTION logout_delivery_notify()`);
    await q.query(`DROP TABLE consents`);
    await q.query(`DROP TABLE authorization_codes`);
    await q.query(`DROP INDEX sessions_parent_live`);
    await q.query(`ALTER TABLE sessions DROP COLUMN parent_id`);
    await q.query(`
      ALTER TABLE clients DROP CONSTRAINT clients_secret_unless_public,
        DROP COLUMN first_party, DROP COLUMN grant_types, DROP COLUMN token_endpoint_auth_method,
        DROP COLUMN backchannel_logout_uri, DROP COLUMN post_logout_redirect_uris, DROP COLUMN redirect_uris`);
  }
}
