import { EmailTakenError, FIRST_PARTY_CLIENT_ID, RateLimitedError } from '@gatehouse/contracts';
import { Public } from '@gatehouse/service-runtime';
import { Body, Controller, Get, Inject, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { audit } from '../audit/audit';
import { SECOND_FACTOR_CHALLENGE_TTL } from '../auth/login.service';
import { AuthChallenges } from '../factors/auth-challenges.service';
import { Factors } from '../factors/factors.service';
import { AuthorizationFlow } from '../authorize/authorization-flow.service';
import type { AuthorizationRequest } from '../authorize/authorization-request';
import { originOf } from '../authorize/authorization-response';
import { openAuthorization, PENDING_AUTHORIZATION_KEY } from '../authorize/pending-authorization';
import { emailSchema, passwordSchema } from '../auth/auth.schemas';
import { LoginThrottle } from '../throttle/login-throttle.service';
import { UsersService } from '../users/users.service';
import { LOGIN_COOKIE, readCookie, SECOND_FACTOR_COOKIE, SESSION_COOKIE, setCookie } from './cookies';
import { assertSameOrigin, CSRF_MESSAGE, loginFormToken, tokensEqual, WEB_FORM_KEY } from './csrf';
import { formOf, textField, type FormBody } from './form';
import { noticeFor } from './notices';
import { redirect, sendPage } from './respond';
import { loginPage, registerPage, type AuthFormView } from './views/auth-pages';
import { WebErrorFilter } from './web-error.filter';
import { continueUrl, WebSignIn } from './web-sign-in.service';
import { randomToken, WebSessionStore } from './web-session.store';


/** Generic on purpose: never says whether the account exists. */
const LOGIN_FAILED = 'Invalid email or password.';

/**
 * /login and /register. Before login there is no session to hold a synchronizer token, so these
 * forms carry an HMAC of a random `__Host-gh_login` cookie (signed double submit) and the Origin
 * is checked as everywhere else.
 */
@Public()
@UseFilters(WebErrorFilter)
@Controller()
export class WebAuthController {
  constructor(
    private readonly store: WebSessionStore,
    private readonly users: UsersService,
    private readonly throttle: LoginThrottle,
    @InjectDataSource() private readonly ds: DataSource,
    private readonly flow: AuthorizationFlow,
    private readonly signIn: WebSignIn,
    private readonly factors: Factors,
    private readonly challenges: AuthChallenges,
    @Inject(WEB_FORM_KEY) private readonly formKey: Buffer,
    @Inject(PENDING_AUTHORIZATION_KEY) private readonly pendingKey: Buffer,
  ) {}

  @Get()
  home(@Res() reply: FastifyReply): void {
    redirect(reply, '/account');
  }

  /**
   * With `authz` (a pending authorization request of an app) the form returns to it after the
   * sign-in; a browser already signed in as that request accepts goes straight back.
   */
  @Get('login')
  async loginForm(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query() query: unknown): Promise<void> {
    const pending = this.pending(formOf(query)['authz']);
    const session = await this.store.touch(readCookie(req, SESSION_COOKIE));
    // `reauth=1`: a signed-in user asked to sign in afresh (e.g. before removing a factor).
    const reauth = formOf(query)['reauth'] === '1';
    if (reauth && session && !pending) return this.show(req, reply, 200, loginPage, { notice: noticeFor({ notice: 'reauth' }), email: session.email });
    if (session && !pending) return redirect(reply, '/account');
    if (session && pending && this.flow.signedInFor(session, pending.request)) return redirect(reply, continueUrl(pending.sealed));
    const hint = pending?.request.loginHint;
    this.show(req, reply, 200, loginPage, { notice: noticeFor(query), ...(hint ? { email: hint } : {}) }, pending);
  }

  /** Checks origin, form token and throttle, then opens a web session with a brand-new cookie. */
  @Post('login')
  async login(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Body() body: unknown): Promise<void> {
    assertSameOrigin(req);
    const form = formOf(body);
    const email = textField(form, 'email', 1024);
    const password = textField(form, 'password');
    const pending = this.pending(form['authz']);
    if (!this.formTokenValid(req, form)) return this.show(req, reply, 403, loginPage, { email, errors: [CSRF_MESSAGE] }, pending);
    try {
      await this.throttle.assertAllowed(email, req.ip);
    } catch (err) {
      if (!(err instanceof RateLimitedError)) throw err;
      void reply.header('retry-after', String(err.retryAfterSeconds));
      return this.show(req, reply, 429, loginPage, { email, errors: [`Too many attempts. Try again in ${err.retryAfterSeconds} seconds.`] }, pending);
    }
    const parsed = emailSchema.safeParse(email);
    const user = await this.users.verifyCredentials(parsed.success ? parsed.data : '', password);
    if (!user) {
      const lockedFor = await this.throttle.recordFailure(email, req.ip);
      const details = { channel: 'web', ...(lockedFor ? { seconds: lockedFor } : {}) };
      await audit(this.ds.manager, lockedFor ? 'login_locked' : 'login_failed', { clientId: FIRST_PARTY_CLIENT_ID, ip: req.ip, details });
      return this.show(req, reply, 401, loginPage, { email, errors: [LOGIN_FAILED] }, pending);
    }
    // With a second factor the failure counter stays until the code is right, and the browser
    // only gets the sign-in's challenge (a Strict cookie) until then.
    if ((await this.factors.kinds(user.id)).size > 0) {
      const challenge = await this.challenges.create('second_factor', user.id, { authz: pending?.sealed ?? null }, SECOND_FACTOR_CHALLENGE_TTL);
      setCookie(reply, SECOND_FACTOR_COOKIE, challenge, 'Strict', SECOND_FACTOR_CHALLENGE_TTL);
      return redirect(reply, '/login/second-factor');
    }
    await this.throttle.recordSuccess(email);
    redirect(reply, await this.signIn.complete(req, reply, user, ['pwd'], pending?.sealed ?? null));
  }

  /** A pending authorization request from a form or query field, if it opens. */
  private pending(sealed: unknown): { sealed: string; request: AuthorizationRequest } | undefined {
    const request = openAuthorization(this.pendingKey, sealed, Date.now());
    return request && typeof sealed === 'string' ? { sealed, request } : undefined;
  }

  @Get('register')
  async registerForm(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (await this.store.touch(readCookie(req, SESSION_COOKIE))) return redirect(reply, '/account');
    this.show(req, reply, 200, registerPage, {});
  }

  @Post('register')
  async register(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Body() body: unknown): Promise<void> {
    assertSameOrigin(req);
    const form = formOf(body);
    const rawEmail = textField(form, 'email', 1024);
    if (!this.formTokenValid(req, form)) return this.show(req, reply, 403, registerPage, { email: rawEmail, errors: [CSRF_MESSAGE] });
    const email = emailSchema.safeParse(rawEmail);
    const password = passwordSchema.safeParse(textField(form, 'password'));
    const errors: string[] = [];
    if (!email.success) errors.push('Enter a valid email address.');
    if (!password.success) errors.push(`Password ${password.error.issues[0]?.message ?? 'is invalid'}.`);
    else if (password.data !== textField(form, 'confirm')) errors.push('The two passwords do not match.');
    if (!email.success || !password.success || errors.length > 0) return this.show(req, reply, 400, registerPage, { email: rawEmail, errors });
    try {
      await this.users.register(email.data, password.data);
    } catch (err) {
      if (!(err instanceof EmailTakenError)) throw err;
      return this.show(req, reply, 409, registerPage, { email: rawEmail, errors: [err.message] });
    }
    redirect(reply, '/login?notice=registered');
  }

  /** Renders a pre-login form with a token bound to this browser's `__Host-gh_login` cookie. */
  private show(
    req: FastifyRequest,
    reply: FastifyReply,
    status: number,
    page: (v: AuthFormView) => ReturnType<typeof loginPage>,
    view: Omit<AuthFormView, 'csrfToken'>,
    pending?: { sealed: string; request: AuthorizationRequest },
  ): void {
    let cookie = readCookie(req, LOGIN_COOKIE);
    if (!cookie) {
      cookie = randomToken();
      setCookie(reply, LOGIN_COOKIE, cookie, 'Strict');
    }
    const full = { ...view, csrfToken: loginFormToken(this.formKey, cookie), ...(pending ? { authz: pending.sealed } : {}) };
    // The login form offers a passkey: the page loads our WebAuthn script.
    sendPage(reply, status, page(full), pending ? [originOf(pending.request.redirectUri)] : [], { scripts: page === loginPage });
  }

  private formTokenValid(req: FastifyRequest, form: FormBody): boolean {
    const cookie = readCookie(req, LOGIN_COOKIE);
    return cookie !== undefined && tokensEqual(loginFormToken(this.formKey, cookie), form['csrf']);
  }
}
