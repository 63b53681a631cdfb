import { InvalidCredentialsError, LastAdminError, RateLimitedError } from '@gatehouse/contracts';
import { Public } from '@gatehouse/service-runtime';
import { Body, Controller, Get, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { audit } from '../audit/audit';
import { AccountDeletion } from '../accounts/account-deletion.service';
import { passwordSchema } from '../auth/auth.schemas';
import { Consents } from '../authorize/consents.service';
import { SessionRevoker } from '../sessions/session-revoker.service';
import { LoginThrottle } from '../throttle/login-throttle.service';
import { PasswordHasher } from '../users/password-hasher.service';
import { UserEntity } from '../users/user.entity';
import { clearCookie, SESSION_COOKIE } from './cookies';
import { formOf, textField } from './form';
import { noticeFor } from './notices';
import { redirect, sendPage } from './respond';
import { accountPage, type SessionRow } from './views/account-page';
import { logoutPage } from './views/auth-pages';
import { WebErrorFilter } from './web-error.filter';
import { CurrentWebSession, pageUser, WebSessionGuard } from './web-session.guard';
import type { WebSession } from './web-session.store';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * /account and /logout. Every session change goes through SessionRevoker, so ending a web
 * session, an API session or all of them kills refresh families and queues the same
 * revocation events as the bearer API.
 */
@Public()
@UseGuards(WebSessionGuard)
@UseFilters(WebErrorFilter)
@Controller()
export class AccountController {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly revoker: SessionRevoker,
    private readonly hasher: PasswordHasher,
    private readonly throttle: LoginThrottle,
    private readonly consents: Consents,
    private readonly deletion: AccountDeletion,
  ) {}

  @Get('account')
  async account(@CurrentWebSession() session: WebSession, @Query() query: unknown, @Res() reply: FastifyReply): Promise<void> {
    await this.render(reply, 200, session, noticeFor(query), []);
  }

  /** Ends one of the user's sessions, web or API; ending this browser's own logs it out. */
  @Post('account/sessions/:id/revoke')
  async revoke(@CurrentWebSession() session: WebSession, @Param('id') id: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const own = id === session.sessionId;
    const ended = UUID.test(id) && (await this.ds.transaction((em) => this.revoker.revokeSession(em, session.userId, id, own ? 'logout' : 'session_revoked', req.ip)));
    if (!ended) return this.render(reply, 404, session, null, ['That session does not exist or has already ended.']);
    if (!own) return redirect(reply, '/account?notice=session-ended');
    clearCookie(reply, SESSION_COOKIE);
    redirect(reply, '/login?notice=logged-out');
  }

  /** Withdraws consent from an app: the grant goes, and so do the app's sessions and tokens. */
  @Post('account/apps/:clientId/revoke')
  async removeApp(@CurrentWebSession() session: WebSession, @Param('clientId') clientId: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const removed = await this.ds.transaction(async (em) => {
      const gone = await this.consents.withdraw(em, session.userId, clientId.slice(0, 64));
      if (!gone) return false;
      const ended = await this.revoker.revokeClientSessions(em, session.userId, clientId, 'consent_withdrawn');
      await audit(em, 'consent_withdrawn', { userId: session.userId, clientId, ip: req.ip, details: { sessions: ended } });
      return true;
    });
    if (!removed) return this.render(reply, 404, session, null, ['That app is not connected to your account.']);
    redirect(reply, '/account?notice=app-removed');
  }

  /** Ends every session of the user, this one included, and publishes a subject not-before. */
  @Post('account/logout-all')
  async logoutAll(@CurrentWebSession() session: WebSession, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.ds.transaction((em) => this.revoker.revokeAllSessions(em, session.userId, 'logout_all', { ip: req.ip }));
    clearCookie(reply, SESSION_COOKIE);
    redirect(reply, '/login?notice=everywhere');
  }

  /** Changes the password (current one required, throttled like a login) and ends every other session. */
  @Post('account/password')
  async password(@CurrentWebSession() session: WebSession, @Body() body: unknown, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const form = formOf(body);
    const next = passwordSchema.safeParse(textField(form, 'new_password'));
    if (!next.success) return this.render(reply, 400, session, null, [`New password ${next.error.issues[0]?.message ?? 'is invalid'}.`]);
    if (next.data !== textField(form, 'confirm_password')) return this.render(reply, 400, session, null, ['The two new passwords do not match.']);
    try {
      await this.throttle.assertAllowed(session.email, req.ip);
    } catch (err) {
      if (!(err instanceof RateLimitedError)) throw err;
      void reply.header('retry-after', String(err.retryAfterSeconds));
      return this.render(reply, 429, session, null, [`Too many attempts. Try again in ${err.retryAfterSeconds} seconds.`]);
    }
    const user = await this.ds.getRepository(UserEntity).findOneBy({ id: session.userId });
    if (!user || !(await this.hasher.verify(textField(form, 'current_password'), user.passwordHash))) {
      await this.throttle.recordFailure(session.email, req.ip);
      return this.render(reply, 401, session, null, ['The current password is not correct.']);
    }
    const hash = await this.hasher.hash(next.data);
    await this.ds.transaction(async (em) => {
      await em.query('UPDATE users SET password_hash = $2, password_changed_at = now() WHERE id = $1', [user.id, hash]);
      await this.revoker.revokeAllSessions(em, user.id, 'password_changed', { except: session.sessionId, ip: req.ip });
    });
    redirect(reply, '/account?notice=password');
  }

  /** Deletes the account (password typed again, box ticked); this browser's session ends with it. */
  @Post('account/delete')
  async deleteAccount(@CurrentWebSession() session: WebSession, @Body() body: unknown, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const form = formOf(body);
    if (textField(form, 'confirm') !== 'yes') return this.render(reply, 400, session, null, ['Tick the box to confirm that your account is deleted for good.']);
    try {
      await this.deletion.deleteOwn(session.userId, textField(form, 'password'), req.ip);
    } catch (err) {
      const refusal = deletionRefusal(err);
      if (!refusal) throw err;
      if (err instanceof RateLimitedError) void reply.header('retry-after', String(err.retryAfterSeconds));
      return this.render(reply, refusal.status, session, null, [refusal.message]);
    }
    clearCookie(reply, SESSION_COOKIE);
    redirect(reply, '/login?notice=account-deleted');
  }

  @Get('logout')
  confirmLogout(@CurrentWebSession() session: WebSession, @Res() reply: FastifyReply): void {
    sendPage(reply, 200, logoutPage(pageUser(session)));
  }

  @Post('logout')
  async logout(@CurrentWebSession() session: WebSession, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.ds.transaction((em) => this.revoker.revokeSession(em, session.userId, session.sessionId, 'logout', req.ip));
    clearCookie(reply, SESSION_COOKIE);
    redirect(reply, '/login?notice=logged-out');
  }

  private async render(reply: FastifyReply, status: number, session: WebSession, notice: string | null, errors: string[]): Promise<void> {
    const rows: { id: string; kind: 'api' | 'web'; client_id: string; user_agent: string | null; ip: string | null; created_at: Date; last_used_at: Date }[] = await this.ds.query(
      `SELECT id, kind, client_id, user_agent, ip, created_at, last_used_at FROM sessions
        WHERE user_id = $1 AND revoked_at IS NULL AND absolute_expires_at > now() AND idle_expires_at > now()
        ORDER BY (id = $2) DESC, last_used_at DESC LIMIT 200`,
      [session.userId, session.sessionId],
    );
    const sessions: SessionRow[] = rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      clientId: r.client_id,
      userAgent: r.user_agent,
      ip: r.ip,
      createdAt: r.created_at,
      lastUsedAt: r.last_used_at,
      current: r.id === session.sessionId,
    }));
    const apps = await this.consents.list(session.userId);
    sendPage(reply, status, accountPage({ user: pageUser(session), sessions, apps, notice, errors }));
  }
}

/** How /account words a refused deletion, or null for errors that are not a refusal. */
function deletionRefusal(err: unknown): { status: number; message: string } | null {
  if (err instanceof RateLimitedError) return { status: 429, message: `Too many attempts. Try again in ${err.retryAfterSeconds} seconds.` };
  if (err instanceof InvalidCredentialsError) return { status: 401, message: 'The password is not correct.' };
  if (err instanceof LastAdminError) return { status: 409, message: 'You are the last administrator: this account cannot be deleted.' };
  return null;
}
