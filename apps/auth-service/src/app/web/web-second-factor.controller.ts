import { FIRST_PARTY_CLIENT_ID, RateLimitedError } from '@gatehouse/contracts';
import { Public } from '@gatehouse/service-runtime';
import { Body, Controller, Get, HttpCode, Inject, Post, Req, Res, UseFilters } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { audit } from '../audit/audit';
import { amrOf } from '../factors/amr';
import { AuthChallenges, type AuthChallenge } from '../factors/auth-challenges.service';
import { Factors } from '../factors/factors.service';
import { Passkeys } from '../factors/passkeys.service';
import { SecondFactorCheck } from '../factors/second-factor.service';
import { LoginThrottle } from '../throttle/login-throttle.service';
import { UsersService } from '../users/users.service';
import type { UserEntity } from '../users/user.entity';
import { clearCookie, LOGIN_COOKIE, readCookie, SECOND_FACTOR_COOKIE } from './cookies';
import { assertSameOrigin, CSRF_MESSAGE, loginFormToken, tokensEqual, WEB_FORM_KEY } from './csrf';
import { formOf, textField } from './form';
import { redirect, sendPage } from './respond';
import { secondFactorPage } from './views/second-factor-page';
import { WebErrorFilter } from './web-error.filter';
import { WebSignIn } from './web-sign-in.service';

const EXPIRED = '/login?notice=reauth';

/**
 * The second step of a browser sign-in (`/login/second-factor`: a TOTP code, a recovery code or
 * a passkey, after the password) and the passwordless passkey sign-in from /login. The step's
 * forms carry an HMAC of its `__Host-gh_2fa` challenge cookie, the passkey calls the login
 * form's token; the Origin is checked on every POST.
 */
@Public()
@UseFilters(WebErrorFilter)
@Controller('login')
export class WebSecondFactorController {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly challenges: AuthChallenges,
    private readonly factors: Factors,
    private readonly codes: SecondFactorCheck,
    private readonly passkeys: Passkeys,
    private readonly users: UsersService,
    private readonly signIn: WebSignIn,
    private readonly throttle: LoginThrottle,
    @Inject(WEB_FORM_KEY) private readonly formKey: Buffer,
  ) {}

  @Get('second-factor')
  async form(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const step = await this.step(req);
    if (!step) return redirect(reply, EXPIRED);
    await this.show(reply, 200, step, []);
  }

  /** A TOTP or recovery code; a wrong one counts against the challenge and the account's throttle. */
  @Post('second-factor')
  async submit(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Body() body: unknown): Promise<void> {
    assertSameOrigin(req);
    const form = formOf(body);
    const step = await this.step(req);
    if (!step) return redirect(reply, EXPIRED);
    if (!tokensEqual(loginFormToken(this.formKey, step.token), form['csrf'])) return this.show(reply, 403, step, [CSRF_MESSAGE]);
    const code = textField(form, 'code', 16);
    const recoveryCode = textField(form, 'recovery_code', 64);
    let amr: string[] | null;
    try {
      amr = await this.codes.check({ code, recoveryCode }, { userId: step.user.id, email: step.user.email, ip: req.ip, clientId: FIRST_PARTY_CLIENT_ID, channel: 'web' });
    } catch (err) {
      if (!(err instanceof RateLimitedError)) throw err;
      void reply.header('retry-after', String(err.retryAfterSeconds));
      return this.show(reply, 429, step, [`Too many attempts. Try again in ${err.retryAfterSeconds} seconds.`]);
    }
    if (!amr) {
      await this.challenges.fail(step.token);
      return this.show(reply, 401, step, [code ? 'That code is not valid (a code works only once).' : 'That recovery code is not valid or was already used.']);
    }
    await this.finish(req, reply, step, amr, (path) => redirect(reply, path));
  }

  /** Passkey as the second factor: options for the user's own passkeys. */
  @Post('second-factor/passkey/options')
  @HttpCode(200)
  async secondFactorOptions(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Body() body: unknown): Promise<void> {
    assertSameOrigin(req);
    const step = await this.step(req);
    if (!step || !tokensEqual(loginFormToken(this.formKey, step.token), formOf(body)['csrf'])) return json(reply, 403, { error: CSRF_MESSAGE });
    json(reply, 200, await this.passkeys.authenticationOptions(step.user.id));
  }

  @Post('second-factor/passkey')
  @HttpCode(200)
  async secondFactorPasskey(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Body() body: unknown): Promise<void> {
    assertSameOrigin(req);
    const form = formOf(body);
    const step = await this.step(req);
    if (!step || !tokensEqual(loginFormToken(this.formKey, step.token), form['csrf'])) return json(reply, 403, { error: CSRF_MESSAGE });
    const assertion = await this.passkeys.authenticate(form['ticket'], form['response']);
    if (!assertion || assertion.userId !== step.user.id) {
      await this.challenges.fail(step.token);
      await audit(this.ds.manager, 'factor_failed', { userId: step.user.id, clientId: FIRST_PARTY_CLIENT_ID, ip: req.ip, details: { channel: 'web', method: 'passkey' } });
      return json(reply, 401, { error: 'The passkey could not be verified.' });
    }
    await this.throttle.recordSuccess(step.user.email);
    await this.finish(req, reply, step, amrOf(['pwd', 'hwk', ...(assertion.userVerified ? ['user'] : [])]), (path) => json(reply, 200, { redirect: path }));
  }

  /** Passwordless: options for any discoverable passkey of this site (the form's login token guards it). */
  @Post('passkey/options')
  @HttpCode(200)
  async passkeyOptions(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Body() body: unknown): Promise<void> {
    assertSameOrigin(req);
    const form = formOf(body);
    if (!this.loginTokenValid(req, form['csrf'])) return json(reply, 403, { error: CSRF_MESSAGE });
    const authz = typeof form['authz'] === 'string' && form['authz'].length <= 8192 ? form['authz'] : null;
    json(reply, 200, await this.passkeys.authenticationOptions(null, { authz }));
  }

  /** Passwordless sign-in: a user-verifying passkey is two factors in one (`hwk user mfa`). */
  @Post('passkey')
  @HttpCode(200)
  async passkey(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Body() body: unknown): Promise<void> {
    assertSameOrigin(req);
    const form = formOf(body);
    if (!this.loginTokenValid(req, form['csrf'])) return json(reply, 403, { error: CSRF_MESSAGE });
    const assertion = await this.passkeys.authenticate(form['ticket'], form['response']);
    const user = assertion ? await this.users.findById(assertion.userId) : null;
    if (!assertion || !user || user.disabledAt) {
      await audit(this.ds.manager, 'factor_failed', { clientId: FIRST_PARTY_CLIENT_ID, ip: req.ip, details: { channel: 'web', method: 'passkey' } });
      return json(reply, 401, { error: 'The passkey could not be verified.' });
    }
    const authz = typeof assertion.data['authz'] === 'string' ? assertion.data['authz'] : null;
    const amr = amrOf(['hwk', ...(assertion.userVerified ? ['user'] : [])]);
    json(reply, 200, { redirect: await this.signIn.complete(req, reply, user, amr, authz) });
  }

  /** Uses the challenge up and opens the session; a lost race (a second tab) starts over. */
  private async finish(req: FastifyRequest, reply: FastifyReply, step: Step, amr: string[], go: (path: string) => void): Promise<void> {
    const used = await this.challenges.consume('second_factor', step.token);
    if (!used) {
      clearCookie(reply, SECOND_FACTOR_COOKIE);
      return go(EXPIRED);
    }
    const authz = typeof used.data['authz'] === 'string' ? used.data['authz'] : null;
    go(await this.signIn.complete(req, reply, step.user, amr, authz));
  }

  private async step(req: FastifyRequest): Promise<Step | null> {
    const token = readCookie(req, SECOND_FACTOR_COOKIE);
    const challenge: AuthChallenge | null = token ? await this.challenges.peek('second_factor', token) : null;
    const user = challenge?.userId ? await this.users.findById(challenge.userId) : null;
    return token && user && !user.disabledAt ? { token, user } : null;
  }

  private async show(reply: FastifyReply, status: number, step: Step, errors: string[]): Promise<void> {
    const kinds = await this.factors.kinds(step.user.id);
    const view = { csrfToken: loginFormToken(this.formKey, step.token), totp: kinds.has('totp'), passkey: kinds.has('passkey'), errors };
    sendPage(reply, status, secondFactorPage(view), [], { scripts: view.passkey });
  }

  private loginTokenValid(req: FastifyRequest, presented: unknown): boolean {
    const cookie = readCookie(req, LOGIN_COOKIE);
    return cookie !== undefined && tokensEqual(loginFormToken(this.formKey, cookie), presented);
  }
}

interface Step {
  token: string;
  user: UserEntity;
}

function json(reply: FastifyReply, status: number, body: object): void {
  void reply.status(status).header('cache-control', 'no-store').type('application/json; charset=utf-8').send(JSON.stringify(body));
}
