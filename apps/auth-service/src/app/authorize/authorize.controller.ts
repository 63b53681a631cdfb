import { Public } from '@gatehouse/service-runtime';
import { Body, Controller, Get, Inject, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ClientsService } from '../clients/clients.service';
import { AUTH_CONFIG } from '../config/config.tokens';
import type { AuthConfig } from '../config/config.schema';
import { readCookie, SESSION_COOKIE } from '../web/cookies';
import { formOf, textField } from '../web/form';
import { sendPage } from '../web/respond';
import { errorPage } from '../web/views/auth-pages';
import { WebErrorFilter } from '../web/web-error.filter';
import { CurrentWebSession, WebSessionGuard } from '../web/web-session.guard';
import { WebSessionStore, type WebSession } from '../web/web-session.store';
import { AuthorizationFlow } from './authorization-flow.service';
import { AuthorizationError, checkRequest, checkTarget } from './authorization-request';
import { sendAuthorizationError } from './authorization-response';
import { openAuthorization, PENDING_AUTHORIZATION_KEY } from './pending-authorization';

const EXPIRED = 'This sign-in request has expired or is not valid. Go back to the application and start again.';

/**
 * The authorization endpoint (RFC 6749 §3.1, OIDC Core §3.1.2), GET and POST, and the two steps a
 * pending request comes back through: after /login (`/oauth/authorize/continue`) and from the
 * consent page (`/oauth/authorize/consent`, CSRF-checked by the session guard).
 */
@Public()
@UseFilters(WebErrorFilter)
@Controller('oauth/authorize')
export class AuthorizeController {
  constructor(
    private readonly clients: ClientsService,
    private readonly store: WebSessionStore,
    private readonly flow: AuthorizationFlow,
    @Inject(PENDING_AUTHORIZATION_KEY) private readonly key: Buffer,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  @Get()
  async authorizeGet(@Query() query: unknown, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.authorize(formOf(query), req, reply);
  }

  @Post()
  async authorizePost(@Body() body: unknown, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.authorize(formOf(body), req, reply);
  }

  @Get('continue')
  async continue(@Query() query: unknown, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const request = openAuthorization(this.key, formOf(query)['authz'], Date.now());
    if (!request) return sendPage(reply, 400, errorPage(400, EXPIRED));
    await this.answer(reply, () => this.session(req).then((s) => this.flow.proceed(request, s, reply)));
  }

  @Post('consent')
  @UseGuards(WebSessionGuard)
  async consent(@CurrentWebSession() session: WebSession, @Body() body: unknown, @Res() reply: FastifyReply): Promise<void> {
    const form = formOf(body);
    const request = openAuthorization(this.key, form['authz'], Date.now());
    const decision = textField(form, 'decision', 8);
    if (!request || (decision !== 'allow' && decision !== 'deny')) return sendPage(reply, 400, errorPage(400, EXPIRED));
    await this.answer(reply, () => this.flow.decide(request, session, decision === 'allow', reply));
  }

  private async authorize(params: Record<string, unknown>, req: FastifyRequest, reply: FastifyReply): Promise<void> {
    await this.answer(reply, async () => {
      const target = await checkTarget(params, (id) => this.clients.findActive(id));
      const request = checkRequest(params, target, Date.now());
      await this.flow.proceed(request, await this.session(req), reply);
    });
  }

  private session(req: FastifyRequest): Promise<WebSession | null> {
    return this.store.touch(readCookie(req, SESSION_COOKIE));
  }

  /** Runs a step; a protocol refusal becomes the RFC 6749 §4.1.2.1 answer, anything else the web error page. */
  private async answer(reply: FastifyReply, step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (err) {
      if (!(err instanceof AuthorizationError)) throw err;
      sendAuthorizationError(reply, this.config.ISSUER, err);
    }
  }
}
