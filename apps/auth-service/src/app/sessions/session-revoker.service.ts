import { EVENT_SUBJECTS } from '@gatehouse/contracts';
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { audit, type AuditEvent } from '../audit/audit';
import { AUTH_CONFIG } from '../config/config.tokens';
import type { AuthConfig } from '../config/config.schema';
import { queryRows } from '../database/query-rows';
import { enqueueEvent } from '../events/outbox';
import { queueBackchannelLogout } from '../oidc/backchannel-logout';

/**
 * Ends sessions: marks them revoked, kills their refresh families, queues the event that tells
 * verifiers and the back-channel logouts that tell apps, all in the caller's transaction. A
 * browser session takes the app sessions signed in through it (its children) along.
 */
@Injectable()
export class SessionRevoker {
  constructor(@Inject(AUTH_CONFIG) private readonly config: AuthConfig) {}

  /** Ends one session of `userId`; returns false if it is not theirs or already ended. */
  async revokeSession(em: EntityManager, userId: string, sessionId: string, reason: AuditEvent, ip?: string): Promise<boolean> {
    const ended = await queryRows<{ id: string }>(
      em,
      `UPDATE sessions SET revoked_at = now(), revoked_reason = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING id`,
      [sessionId, userId, reason],
    );
    if (ended.length === 0) return false;
    const children = await queryRows<{ id: string }>(
      em,
      `UPDATE sessions SET revoked_at = now(), revoked_reason = $2 WHERE parent_id = $1 AND revoked_at IS NULL RETURNING id`,
      [sessionId, reason],
    );
    ended.push(...children);
    const ids = ended.map((r) => r.id);
    await em.query('UPDATE refresh_tokens SET revoked_at = now() WHERE session_id = ANY($1) AND revoked_at IS NULL', [ids]);
    for (const sid of ids) await enqueueEvent(em, EVENT_SUBJECTS.revokedSession, { v: 1, sid, until: this.until() });
    await queueBackchannelLogout(em, ids);
    await audit(em, reason, { userId, sessionId, ip: ip ?? null, ...(ids.length > 1 ? { details: { sessions: ids.length } } : {}) });
    return true;
  }

  /** Ends the user's sessions with one client (consent withdrawn from /account). */
  async revokeClientSessions(em: EntityManager, userId: string, clientId: string, reason: AuditEvent): Promise<number> {
    const ended = await queryRows<{ id: string }>(
      em,
      `UPDATE sessions SET revoked_at = now(), revoked_reason = $3 WHERE user_id = $1 AND client_id = $2 AND revoked_at IS NULL RETURNING id`,
      [userId, clientId, reason],
    );
    const ids = ended.map((r) => r.id);
    if (ids.length === 0) return 0;
    await em.query('UPDATE refresh_tokens SET revoked_at = now() WHERE session_id = ANY($1) AND revoked_at IS NULL', [ids]);
    for (const sid of ids) await enqueueEvent(em, EVENT_SUBJECTS.revokedSession, { v: 1, sid, until: this.until() });
    await queueBackchannelLogout(em, ids);
    return ids.length;
  }

  /**
   * Ends every session of a user (optionally sparing one) and publishes a subject not-before,
   * so access tokens issued before now are refused everywhere.
   */
  async revokeAllSessions(em: EntityManager, userId: string, reason: AuditEvent, options: { except?: string; ip?: string } = {}): Promise<number> {
    const ended = await queryRows<{ id: string }>(
      em,
      `UPDATE sessions SET revoked_at = now(), revoked_reason = $2
        WHERE user_id = $1 AND revoked_at IS NULL
          AND ($3::uuid IS NULL OR (id <> $3::uuid AND parent_id IS DISTINCT FROM $3::uuid)) RETURNING id`,
      [userId, reason, options.except ?? null],
    );
    const ids = ended.map((r) => r.id);
    if (ids.length > 0) await em.query('UPDATE refresh_tokens SET revoked_at = now() WHERE session_id = ANY($1) AND revoked_at IS NULL', [ids]);
    if (options.except) {
      for (const sid of ids) await enqueueEvent(em, EVENT_SUBJECTS.revokedSession, { v: 1, sid, until: this.until() });
    } else {
      await enqueueEvent(em, EVENT_SUBJECTS.revokedSubject, { v: 1, sub: userId, notBefore: Math.floor(Date.now() / 1000) });
    }
    await queueBackchannelLogout(em, ids);
    await audit(em, reason, { userId, ip: options.ip ?? null, details: { sessions: ids.length } });
    return ids.length;
  }

  /** Revocation entries matter until the last access token they cover has expired. */
  private until(): number {
    return Math.floor(Date.now() / 1000) + this.config.ACCESS_TOKEN_TTL;
  }
}
