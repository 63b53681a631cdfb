import { Public } from '@gatehouse/service-runtime';
import { Body, Controller, Get, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { ClientsService } from '../clients/clients.service';
import { SessionRevoker } from '../sessions/session-revoker.service';
import { clearCookie, readCookie, SESSION_COOKIE } from '../web/cookies';
import { formOf } from '../web/form';
import { redirect, redirectToClient, sendPage } from '../web/respond';
import { errorPage, logoutPage } from '../web/views/auth-pages';
import { WebErrorFilter } from '../web/web-error.filter';
import { pageUser } from '../web/web-session.guard';
import { WebSessionStore } from '../web/web-session.store';
import { END_SESSION_PATH } from './discovery.controller';
import { IdTokenHints } from './id-token-hint';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0). With a valid `id_token_hint` the
 * app's session ends, and so does this browser's Gatehouse session if it is the same user's
 * (its other app sessions and their back-channel logouts follow); then the browser goes to the
 * `post_logout_redirect_uri` — only one the hint's client registered, exactly — with `state`.
 * Without a hint nothing ends on a GET: a signed-in user is asked to confirm.
 */
@Public()
@UseFilters(WebErrorFilter)
@Controller(END_SESSION_PATH.slice(1))
export class EndSessionController {
  constructor(
    private readonly hints: IdTokenHints,
    private readonly clients: ClientsService,
    private readonly store: WebSessionStore,
    private readonly revoker: SessionRevoker,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  @Get()
  async endSessionGet(@Query() query: unknown, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.endSession(formOf(query), req, reply);
  }

  @Post()
  async endSessionPost(@Body() body: unknown, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.endSession(formOf(body), req, reply);
  }

  private async endSession(params: Record<string, unknown>, req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const refuse = (message: string) => sendPage(reply, 400, errorPage(400, message));
    const { id_token_hint: rawHint, post_logout_redirect_uri: target, client_id: clientId, state } = params;
    if ([rawHint, target, clientId, state].some((v) => v !== undefined && (typeof v !== 'string' || v.length > 8192))) return refuse('The logout request has malformed parameters.');
    const hint = rawHint === undefined ? null : this.hints.verify(rawHint);
    if (rawHint !== undefined && !hint) return refuse('The id_token_hint is not an ID token of this issuer.');
    if (clientId !== undefined && hint && clientId !== hint.clientId) return refuse('client_id does not match the id_token_hint.');
    let destination: string | null = null;
    if (target !== undefined) {
      const client = hint ? await this.clients.findActive(hint.clientId) : null;
      if (!client || !client.postLogoutRedirectUris.includes(target as string)) return refuse('The post_logout_redirect_uri is not registered for this application (an id_token_hint is required).');
      destination = withState(target as string, state as string | undefined);
    }
    const session = await this.store.touch(readCookie(req, SESSION_COOKIE));
    if (!hint) {
      if (session) return sendPage(reply, 200, logoutPage(pageUser(session)));
      return redirect(reply, '/login?notice=logged-out');
    }
    const ownBrowser = session?.userId === hint.sub;
    await this.ds.transaction(async (em) => {
      if (UUID.test(hint.sid) && UUID.test(hint.sub)) await this.revoker.revokeSession(em, hint.sub, hint.sid, 'logout', req.ip);
      if (ownBrowser) await this.revoker.revokeSession(em, session.userId, session.sessionId, 'logout', req.ip);
    });
    if (ownBrowser) clearCookie(reply, SESSION_COOKIE);
    if (destination) return redirectToClient(reply, destination);
    redirect(reply, '/login?notice=logged-out');
  }
}

function withState(uri: string, state: string | undefined): string {
  const url = new URL(uri);
  if (state !== undefined) url.searchParams.append('state', state);
  return url.toString();
}
