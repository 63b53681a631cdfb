import { EVENT_SCHEMAS, type EventPayload, type EventSubject } from '@gatehouse/contracts';
import type { EntityManager } from 'typeorm';

/**
 * Writes an event to the outbox inside the caller's transaction, so the event exists
 * exactly when the state change it describes does. The relay publishes it later with
 * `Nats-Msg-Id` = the outbox id.
 *
 * @throws Error if the payload does not match the contract (a programming error)
 */
export async function enqueueEvent<S extends EventSubject>(em: EntityManager, subject: S, payload: EventPayload<S>): Promise<void> {
  const checked = EVENT_SCHEMAS[subject].parse(payload);
  await em.query('INSERT INTO outbox (subject, payload) VALUES ($1, $2)', [subject, JSON.stringify(checked)]);
}
