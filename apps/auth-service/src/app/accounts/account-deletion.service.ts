import { InvalidCredentialsError, LastAdminError, SCOPES, UnauthenticatedError } from '@gatehouse/contracts';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { audit } from '../audit/audit';
import { queryRows } from '../database/query-rows';
import { SessionRevoker } from '../sessions/session-revoker.service';
import { LoginThrottle } from '../throttle/login-throttle.service';
import { PasswordHasher } from '../users/password-hasher.service';

/** Who deletes: the user themselves, or an administrator (recorded in the audit log). */
export type DeletionActor = { by: 'self' } | { by: 'admin'; adminId: string; ip: string; channel: 'api' | 'web' };

interface LockedUser {
  id: string;
  email: string;
  scopes: string[];
  disabled_at: Date | null;
}

/**
 * Deletes accounts. In one transaction: every session ends through the SessionRevoker (refresh
 * families die, `gatehouse.revoked.subject` goes out through the outbox, so verifiers refuse the
 * user's tokens within milliseconds), the throttle counter keyed by the e-mail goes, the IPs of
 * the user's audit rows are cleared, and the user row is deleted, which cascades to sessions and
 * refresh tokens and frees the e-mail address. The audit log keeps `account_deleted` with the
 * user's id only. The last enabled administrator cannot be deleted.
 */
@Injectable()
export class AccountDeletion {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly hasher: PasswordHasher,
    private readonly throttle: LoginThrottle,
    private readonly revoker: SessionRevoker,
  ) {}

  /**
   * A user deletes their own account after typing the password again (throttled like a login).
   *
   * @throws RateLimitedError (`AUTH_RATE_LIMITED`) after too many wrong passwords
   * @throws InvalidCredentialsError (`AUTH_INVALID_CREDENTIALS`) if the password is wrong
   * @throws LastAdminError (`ACCOUNT_LAST_ADMIN`) for the last enabled administrator
   */
  async deleteOwn(userId: string, password: string, ip: string): Promise<void> {
    const rows = await queryRows<{ email: string; password_hash: string }>(this.ds.manager, 'SELECT email, password_hash FROM users WHERE id = $1', [userId]);
    const user = rows[0];
    if (!user) throw new UnauthenticatedError('The account no longer exists.');
    await this.throttle.assertAllowed(user.email, ip);
    if (!(await this.hasher.verify(password, user.password_hash))) {
      await this.throttle.recordFailure(user.email, ip);
      throw new InvalidCredentialsError();
    }
    await this.delete(userId, { by: 'self' });
  }

  /**
   * Deletes an account; false if there is no such user.
   *
   * @throws LastAdminError (`ACCOUNT_LAST_ADMIN`) if it is the last enabled administrator
   */
  delete(userId: string, actor: DeletionActor): Promise<boolean> {
    return this.ds.transaction(async (em) => {
      const target = await this.lockTarget(em, userId);
      if (!target) return false;
      const sessions = await this.revoker.revokeAllSessions(em, userId, 'account_deleted');
      await this.throttle.forgetAccount(em, target.email);
      await em.query('UPDATE audit_log SET ip = NULL WHERE user_id = $1 AND ip IS NOT NULL', [userId]);
      await em.query('DELETE FROM users WHERE id = $1', [userId]);
      if (actor.by === 'admin') {
        await audit(em, 'admin_action', { userId: actor.adminId, ip: actor.ip, details: { action: 'delete_user', target: userId, channel: actor.channel, sessions } });
      }
      return true;
    });
  }

  /**
   * Locks the target and every enabled administrator (in id order, so two deletions cannot
   * deadlock), so that two administrators deleting each other at once cannot leave none.
   */
  private async lockTarget(em: EntityManager, userId: string): Promise<LockedUser | null> {
    const rows = await queryRows<LockedUser>(
      em,
      `SELECT id, email, scopes, disabled_at FROM users
        WHERE id = $1 OR ($2 = ANY(scopes) AND disabled_at IS NULL) ORDER BY id FOR UPDATE`,
      [userId, SCOPES.admin],
    );
    const target = rows.find((r) => r.id === userId) ?? null;
    const enabledAdmin = (r: LockedUser) => r.disabled_at === null && r.scopes.includes(SCOPES.admin);
    if (target && enabledAdmin(target) && !rows.some((r) => r.id !== userId && enabledAdmin(r))) throw new LastAdminError();
    return target;
  }
}
