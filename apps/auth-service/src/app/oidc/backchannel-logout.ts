import type { EntityManager } from 'typeorm';

/** The event of an OIDC back-channel logout token (Back-Channel Logout 1.0 §2.4). */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** Postgres channel the delivery trigger notifies, so a delivery starts at commit, not at the next poll. */
export const LOGOUT_DELIVERY_CHANNEL = 'gatehouse_logout';

/**
 * Queues a back-channel logout for every ended session whose client registered a
 * `backchannel_logout_uri`, in the caller's transaction: the deliveries exist exactly when the
 * session end does (a transactional outbox of its own), so a crash loses none.
 */
export async function queueBackchannelLogout(em: EntityManager, sessionIds: readonly string[]): Promise<void> {
  if (sessionIds.length === 0) return;
  await em.query(
    `INSERT INTO logout_deliveries (client_id, user_id, session_id, uri)
     SELECT c.id, s.user_id, s.id, c.backchannel_logout_uri
       FROM sessions s JOIN clients c ON c.id = s.client_id
      WHERE s.id = ANY($1::uuid[]) AND c.backchannel_logout_uri IS NOT NULL AND c.revoked_at IS NULL`,
    [sessionIds],
  );
}
