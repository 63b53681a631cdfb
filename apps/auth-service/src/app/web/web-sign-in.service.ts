import { FIRST_PARTY_CLIENT_ID, SCOPES } from '@gatehouse/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { auditStatement } from '../audit/audit';
import { AUTH_CONFIG } from '../config/config.tokens';
import type { AuthConfig } from '../config/config.schema';
import { runAsOneStatement } from '../database/one-statement';
import { isMultiFactor } from '../factors/amr';
import { SessionRevoker } from '../sessions/session-revoker.service';
import { clearCookie, LOGIN_COOKIE, readCookie, SECOND_FACTOR_COOKIE, SESSION_COOKIE, setCookie } from './cookies';
import { WebSessionStore } from './web-session.store';

/** Where /login sends the browser back to a pending authorization request. */
export function continueUrl(sealed: string): string {
  return `/oauth/authorize/continue?authz=${sealed}`;
}

/**
 * The end of every browser sign-in (password, password + second factor, passkey): a new web
 * session carrying the sign-in's `amr`, a brand-new cookie, and the next page — the pending
 * authorization request, the enrolment page for an administrator without a second factor, or
 * /account.
 */
@Injectable()
export class WebSignIn {
  constructor(
    private readonly store: WebSessionStore,
    private readonly revoker: SessionRevoker,
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  /** Opens the session, sets its cookie and returns where the browser goes next. */
  async complete(req: FastifyRequest, reply: FastifyReply, user: { id: string; scopes: readonly string[] }, amr: readonly string[], authz: string | null): Promise<string> {
    const opened = await this.openSession(req, user.id, amr);
    setCookie(reply, SESSION_COOKIE, opened.cookie, 'Lax');
    clearCookie(reply, LOGIN_COOKIE);
    if (readCookie(req, SECOND_FACTOR_COOKIE)) clearCookie(reply, SECOND_FACTOR_COOKIE);
    if (authz) return continueUrl(authz);
    const mustEnrol = this.config.ADMIN_SECOND_FACTOR && user.scopes.includes(SCOPES.admin) && !isMultiFactor(amr);
    return mustEnrol ? '/account/security?notice=admin-enrol' : '/account';
  }

  /**
   * The session and its audit row commit in one statement, like the API login. Only when this
   * browser still holds a live session does it end first (one browser, one live cookie), which
   * takes a transaction.
   */
  private async openSession(req: FastifyRequest, userId: string, amr: readonly string[]): Promise<{ sessionId: string; cookie: string }> {
    const origin = { userAgent: req.headers['user-agent'], ip: req.ip };
    const previous = await this.store.touch(readCookie(req, SESSION_COOKIE));
    const opened = this.store.insertion(userId, origin, amr);
    const details = { channel: 'web', ...(amr.length > 1 ? { amr: amr.join(' ') } : {}) };
    const audited = auditStatement('login_ok', { userId, clientId: FIRST_PARTY_CLIENT_ID, sessionId: opened.sessionId, ip: req.ip, details });
    if (!previous) {
      await runAsOneStatement(this.ds.manager, [opened.statement, audited]);
      return opened;
    }
    await this.ds.transaction(async (em) => {
      // The same user signing in again (prompt=login, max_age) keeps the apps signed in through the
      // old session: they move to the new one instead of being logged out with it.
      if (previous.userId === userId) await em.query('UPDATE sessions SET parent_id = $2 WHERE parent_id = $1 AND revoked_at IS NULL', [previous.sessionId, opened.sessionId]);
      await this.revoker.revokeSession(em, previous.userId, previous.sessionId, 'logout', req.ip);
      await runAsOneStatement(em, [opened.statement, audited]);
    });
    return opened;
  }
}
