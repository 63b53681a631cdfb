import { EVENT_SUBJECTS } from '@gatehouse/contracts';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AccountDeletion } from '../accounts/account-deletion.service';
import { audit } from '../audit/audit';
import { ClientsService } from '../clients/clients.service';
import { queryRows } from '../database/query-rows';
import { enqueueEvent } from '../events/outbox';
import { SessionRevoker } from '../sessions/session-revoker.service';
import type { AdminClientRow, AdminKeyRow, AdminUserRow } from './views/admin-page';
import type { AuditRow } from './views/audit-page';

/** Who did it, for the audit log. */
export interface Actor {
  userId: string;
  ip: string;
}

/**
 * What the admin pages read and change. The changes mirror the bearer /admin API: the state
 * change, its revocation event and the audit row commit together.
 */
@Injectable()
export class WebAdminService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly revoker: SessionRevoker,
    private readonly clientsService: ClientsService,
    private readonly deletion: AccountDeletion,
  ) {}

  /** One page of users plus whether another follows. */
  async users(offset: number, limit: number): Promise<{ rows: AdminUserRow[]; more: boolean }> {
    const rows: AdminUserRow[] = await this.ds.query(
      `SELECT id, email, scopes, created_at AS "createdAt", disabled_at AS "disabledAt" FROM users ORDER BY created_at, id OFFSET $1 LIMIT $2`,
      [offset, limit + 1],
    );
    return { rows: rows.slice(0, limit), more: rows.length > limit };
  }

  clients(): Promise<AdminClientRow[]> {
    return this.ds.query(
      `SELECT id, name, audiences, scopes, created_at AS "createdAt", revoked_at AS "revokedAt", redirect_uris AS "redirectUris",
              CASE WHEN token_endpoint_auth_method = 'none' THEN 'public' WHEN 'authorization_code' = ANY(grant_types) THEN 'confidential' ELSE 'service' END AS kind
         FROM clients ORDER BY id LIMIT 1000`,
    );
  }

  keys(): Promise<AdminKeyRow[]> {
    return this.ds.query(
      `SELECT kid, created_at AS "createdAt", activate_at AS "activateAt", retire_at AS "retireAt", expire_at AS "expireAt"
         FROM signing_keys ORDER BY activate_at DESC`,
    );
  }

  /** Audit rows, newest first, page 1-based; one extra row tells whether an older page exists. */
  async audit(page: number, size: number): Promise<{ rows: AuditRow[]; more: boolean }> {
    const rows: AuditRow[] = await this.ds.query(
      `SELECT a.id::text AS id, a.at, a.event, a.user_id AS "userId", u.email, a.client_id AS "clientId", a.session_id AS "sessionId", a.ip, a.details
         FROM audit_log a LEFT JOIN users u ON u.id = a.user_id ORDER BY a.at DESC, a.id DESC OFFSET $1 LIMIT $2`,
      [(page - 1) * size, size + 1],
    );
    return { rows: rows.slice(0, size), more: rows.length > size };
  }

  /** An audit row for an admin action that has no transaction of its own. */
  async recordAction(actor: Actor, action: string, target: string): Promise<void> {
    await audit(this.ds.manager, 'admin_action', { userId: actor.userId, ip: actor.ip, details: { action, target, channel: 'web' } });
  }

  /** Disables a user and ends all their sessions; false if no such enabled user. */
  disableUser(id: string, actor: Actor): Promise<boolean> {
    return this.ds.transaction(async (em) => {
      const hit = await queryRows<{ id: string }>(em, 'UPDATE users SET disabled_at = now() WHERE id = $1 AND disabled_at IS NULL RETURNING id', [id]);
      if (hit.length === 0) return false;
      await this.revoker.revokeAllSessions(em, id, 'admin_action', { ip: actor.ip });
      await audit(em, 'admin_action', { userId: actor.userId, ip: actor.ip, details: { action: 'disable_user', target: id, channel: 'web' } });
      return true;
    });
  }

  /** Enables a disabled user; false if no such disabled user. */
  enableUser(id: string, actor: Actor): Promise<boolean> {
    return this.ds.transaction(async (em) => {
      const hit = await queryRows<{ id: string }>(em, 'UPDATE users SET disabled_at = NULL WHERE id = $1 AND disabled_at IS NOT NULL RETURNING id', [id]);
      if (hit.length === 0) return false;
      await audit(em, 'admin_action', { userId: actor.userId, ip: actor.ip, details: { action: 'enable_user', target: id, channel: 'web' } });
      return true;
    });
  }

  /**
   * Deletes a user as the bearer API does; false if no such user.
   *
   * @throws LastAdminError (`ACCOUNT_LAST_ADMIN`) for the last enabled administrator
   */
  deleteUser(id: string, actor: Actor): Promise<boolean> {
    return this.deletion.delete(id, { by: 'admin', adminId: actor.userId, ip: actor.ip, channel: 'web' });
  }

  /** Revokes a client and publishes a client not-before; false if no such active client. */
  async revokeClient(id: string, actor: Actor): Promise<boolean> {
    const revoked = await this.ds.transaction(async (em) => {
      if (!(await this.clientsService.revoke(em, id))) return false;
      await enqueueEvent(em, EVENT_SUBJECTS.revokedClient, { v: 1, clientId: id, notBefore: Math.floor(Date.now() / 1000) });
      await audit(em, 'admin_action', { userId: actor.userId, ip: actor.ip, details: { action: 'revoke_client', target: id, channel: 'web' } });
      return true;
    });
    this.clientsService.forget(id);
    return revoked;
  }
}
