import type { EntityManager } from 'typeorm';

/** Postgres NOTIFY channel on which every change to a client row is announced (payload: the id). */
export const CLIENT_CHANGES_CHANNEL = 'gatehouse_clients';

/**
 * Announces a change to client `id` to every replica's {@link ClientCache}. Call it inside the
 * transaction that changes the row: Postgres delivers the NOTIFY only if, and right after, it commits.
 */
export async function notifyClientChange(em: EntityManager, id: string): Promise<void> {
  await em.query(`SELECT pg_notify('${CLIENT_CHANGES_CHANNEL}', $1)`, [id]);
}
