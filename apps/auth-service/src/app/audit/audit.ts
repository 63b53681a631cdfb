import type { EntityManager } from 'typeorm';
import type { SqlStatement } from '../database/one-statement';

/** Events the audit log records. Never secrets: ids, IPs and reasons only. */
export type AuditEvent =
  | 'login_ok'
  | 'login_failed'
  | 'login_locked'
  | 'refresh_reuse_detected'
  | 'logout'
  | 'logout_all'
  | 'session_revoked'
  | 'password_changed'
  | 'key_rotated'
  | 'admin_action'
  | 'code_replay_detected'
  | 'consent_withdrawn'
  | 'backchannel_logout_delivered'
  | 'backchannel_logout_failed'
  | 'account_deleted'
  | 'token_exchanged'
  | 'factor_added'
  | 'factor_removed'
  | 'factor_failed'
  | 'recovery_code_used'
  | 'recovery_codes_created';

/** Who and where, for an audit row. */
export interface AuditContext {
  userId?: string | null;
  clientId?: string | null;
  sessionId?: string | null;
  ip?: string | null;
  details?: Record<string, string | number | boolean | null>;
}

/** Appends an audit row, in the caller's transaction when given one. */
export async function audit(em: EntityManager, event: AuditEvent, ctx: AuditContext = {}): Promise<void> {
  const { text, params } = auditStatement(event, ctx);
  await em.query(text, params);
}

/** The INSERT of an audit row, for callers that run it together with other writes (`runAsOneStatement`). */
export function auditStatement(event: AuditEvent, ctx: AuditContext = {}): SqlStatement {
  return {
    text: 'INSERT INTO audit_log (event, user_id, client_id, session_id, ip, details) VALUES ($1, $2, $3, $4, $5, $6)',
    params: [event, ctx.userId ?? null, ctx.clientId ?? null, ctx.sessionId ?? null, ctx.ip ?? null, JSON.stringify(ctx.details ?? {})],
  };
}
