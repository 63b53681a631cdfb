import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outbox NOTIFY carries the event itself (`{"id","subject","payload"}`, or only `{"id"}` when
 * it would not fit NOTIFY's 8,000-byte limit), so the relay can publish on the notification
 * without reading the row back first. A relay that predates this only uses the notification to
 * wake up, so old and new replicas can run side by side during a rollout.
 */
export class OutboxNotifyPayload1763900500000 implements MigrationInterface {
  name = 'OutboxNotifyPayload1763900500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        body text := json_build_object('id', NEW.id::text, 'subject', NEW.subject, 'payload', NEW.payload)::text;
      BEGIN
        IF octet_length(body) > 7900 THEN
          body := json_build_object('id', NEW.id::text)::text;
        END IF;
        PERFORM pg_notify('gatehouse_outbox', body);
        RETURN NULL;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('gatehouse_outbox', NEW.id::text);
        RETURN NULL;
      END $$`);
  }
}
