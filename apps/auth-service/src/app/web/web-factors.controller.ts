import { FIRST_PARTY_CLIENT_ID } from '@gatehouse/contracts';
import { Public } from '@gatehouse/service-runtime';
import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toString as qrSvg } from 'qrcode';
import { DataSource } from 'typeorm';
import { audit } from '../audit/audit';
import { AUTH_CONFIG } from '../config/config.tokens';
import type { AuthConfig } from '../config/config.schema';
import { amrOf } from '../factors/amr';
import { Factors } from '../factors/factors.service';
import { Passkeys } from '../factors/passkeys.service';
import { totpUri } from '../factors/totp';
import { SessionRevoker } from '../sessions/session-revoker.service';
import { formOf, textField } from './form';
import { noticeFor } from './notices';
import { redirect, sendPage } from './respond';
import { recoveryCodesPage, securityPage, totpSetupPage } from './views/security-page';
import { WebErrorFilter } from './web-error.filter';
import { CurrentWebSession, pageUser, WebSessionGuard } from './web-session.guard';
import { upgradeSessionAmr, type WebSession } from './web-session.store';

/** A sign-in is fresh enough to remove a factor for this long (then: sign in again). */
export const FRESH_SIGN_IN_SECONDS = 600;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * /account/security: enrol an authenticator app (QR code as inline SVG, the key as text),
 * register passkeys, make recovery codes, remove a factor (a fresh sign-in required; every other
 * session ends). Proving a new factor on this session marks the session as multi-factor, so an
 * administrator sent here to enrol can go on to /admin.
 */
@Public()
@UseGuards(WebSessionGuard)
@UseFilters(WebErrorFilter)
@Controller('account/security')
export class WebFactorsController {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly factors: Factors,
    private readonly passkeys: Passkeys,
    private readonly revoker: SessionRevoker,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  @Get()
  async page(@CurrentWebSession() session: WebSession, @Query() query: unknown, @Res() reply: FastifyReply): Promise<void> {
    await this.render(reply, 200, session, noticeFor(query), []);
  }

  /** Starts (or restarts) an enrolment; the QR code is on the GET that follows. */
  @Post('totp')
  async startTotp(@CurrentWebSession() session: WebSession, @Res() reply: FastifyReply): Promise<void> {
    await this.factors.startTotp(session.userId);
    redirect(reply, '/account/security/totp');
  }

  @Get('totp')
  async totpForm(@CurrentWebSession() session: WebSession, @Res() reply: FastifyReply): Promise<void> {
    const secret = await this.factors.pendingTotp(session.userId);
    if (!secret) return redirect(reply, '/account/security');
    await this.showTotp(reply, 200, session, secret, []);
  }

  /** The first code from the app turns the factor on; recovery codes come with the first factor. */
  @Post('totp/confirm')
  async confirmTotp(@CurrentWebSession() session: WebSession, @Body() body: unknown, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const code = textField(formOf(body), 'code', 16).trim();
    const codes = await this.ds.transaction(async (em) => {
      if (!(await this.factors.confirmTotp(em, session.userId, code))) return null;
      await audit(em, 'factor_added', { userId: session.userId, clientId: FIRST_PARTY_CLIENT_ID, sessionId: session.sessionId, ip: req.ip, details: { kind: 'totp' } });
      await upgradeSessionAmr(em, session.sessionId, amrOf([...session.amr, 'otp']));
      return this.firstRecoveryCodes(em, session, req.ip);
    });
    if (codes === null) {
      const secret = await this.factors.pendingTotp(session.userId);
      if (!secret) return redirect(reply, '/account/security');
      return this.showTotp(reply, 400, session, secret, ['That code is not right. Check the time on your device and try the current code.']);
    }
    if (codes.length === 0) return redirect(reply, '/account/security');
    sendPage(reply, 200, recoveryCodesPage({ user: pageUser(session), codes, notice: 'Your authenticator app is on.' }));
  }

  @Post('recovery-codes')
  async newRecoveryCodes(@CurrentWebSession() session: WebSession, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if ((await this.factors.list(session.userId)).length === 0) return redirect(reply, '/account/security');
    const codes = await this.ds.transaction(async (em) => {
      const made = await this.factors.newRecoveryCodes(em, session.userId);
      await audit(em, 'recovery_codes_created', { userId: session.userId, clientId: FIRST_PARTY_CLIENT_ID, sessionId: session.sessionId, ip: req.ip });
      return made;
    });
    sendPage(reply, 200, recoveryCodesPage({ user: pageUser(session), codes, notice: 'New recovery codes: the old ones no longer work.' }));
  }

  /** Needs a sign-in of the last {@link FRESH_SIGN_IN_SECONDS}; ends every other session of the user. */
  @Post('factors/:id/remove')
  async remove(@CurrentWebSession() session: WebSession, @Param('id') id: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (!this.fresh(session)) return this.render(reply, 403, session, null, ['Sign in again (within the last 10 minutes) to remove a factor.']);
    const removed = UUID.test(id)
      ? await this.ds.transaction(async (em) => {
          const gone = await this.factors.remove(em, session.userId, id);
          if (!gone) return false;
          await audit(em, 'factor_removed', { userId: session.userId, clientId: FIRST_PARTY_CLIENT_ID, sessionId: session.sessionId, ip: req.ip, details: { kind: gone.kind, remaining: gone.remaining } });
          await this.revoker.revokeAllSessions(em, session.userId, 'factor_removed', { except: session.sessionId, ip: req.ip });
          return true;
        })
      : false;
    if (!removed) return this.render(reply, 404, session, null, ['That factor does not exist.']);
    redirect(reply, '/account/security?notice=factor-removed');
  }

  @Post('passkeys/options')
  @HttpCode(200)
  async passkeyOptions(@CurrentWebSession() session: WebSession, @Res() reply: FastifyReply): Promise<void> {
    json(reply, 200, await this.passkeys.registrationOptions({ id: session.userId, email: session.email }));
  }

  @Post('passkeys')
  @HttpCode(200)
  async addPasskey(@CurrentWebSession() session: WebSession, @Body() body: unknown, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const form = formOf(body);
    const added = await this.ds.transaction(async (em) => {
      const passkey = await this.passkeys.register(em, session.userId, form['ticket'], form['response'], textField(form, 'label', 64).trim());
      if (!passkey) return null;
      await audit(em, 'factor_added', { userId: session.userId, clientId: FIRST_PARTY_CLIENT_ID, sessionId: session.sessionId, ip: req.ip, details: { kind: 'passkey' } });
      await upgradeSessionAmr(em, session.sessionId, amrOf([...session.amr, 'hwk']));
      return passkey;
    });
    if (added === null) return json(reply, 400, { error: 'The passkey could not be verified.' });
    // Recovery codes are not made here: they could only reach the page through the URL. The page
    // offers them ("Make recovery codes") while there are none.
    json(reply, 200, { redirect: '/account/security?notice=passkey-added' });
  }

  /** Ten recovery codes with the user's first factor (none when they already have some). */
  private async firstRecoveryCodes(em: Parameters<Factors['newRecoveryCodes']>[0], session: WebSession, ip: string): Promise<string[]> {
    const rows: { n: number }[] = await em.query('SELECT count(*)::int AS n FROM recovery_codes WHERE user_id = $1', [session.userId]);
    if ((rows[0]?.n ?? 0) > 0) return [];
    const codes = await this.factors.newRecoveryCodes(em, session.userId);
    await audit(em, 'recovery_codes_created', { userId: session.userId, clientId: FIRST_PARTY_CLIENT_ID, sessionId: session.sessionId, ip });
    return codes;
  }

  private fresh(session: WebSession): boolean {
    return Date.now() - session.authTime.getTime() <= FRESH_SIGN_IN_SECONDS * 1000;
  }

  private async showTotp(reply: FastifyReply, status: number, session: WebSession, secret: string, errors: string[]): Promise<void> {
    const uri = totpUri(secret, session.email, this.config.WEBAUTHN_RP_NAME);
    const svg = await qrSvg(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    sendPage(reply, status, totpSetupPage({ user: pageUser(session), qrSvg: svg, secret, errors }));
  }

  private async render(reply: FastifyReply, status: number, session: WebSession, notice: string | null, errors: string[]): Promise<void> {
    const [factors, left] = await Promise.all([this.factors.list(session.userId), this.factors.recoveryCodesLeft(session.userId)]);
    sendPage(reply, status, securityPage({ user: pageUser(session), factors, recoveryCodesLeft: left, freshSignIn: this.fresh(session), notice, errors }), [], { scripts: true });
  }
}

function json(reply: FastifyReply, status: number, body: object): void {
  void reply.status(status).header('cache-control', 'no-store').type('application/json; charset=utf-8').send(JSON.stringify(body));
}
