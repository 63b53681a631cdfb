import { GatehouseError, LastAdminError, RequestInvalidError } from '@gatehouse/contracts';
import { Public } from '@gatehouse/service-runtime';
import { Body, Controller, Get, Inject, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ClientsService } from '../clients/clients.service';
import { AUTH_CONFIG } from '../config/config.tokens';
import type { AuthConfig } from '../config/config.schema';
import { KeyRotationService } from '../keys/key-rotation.service';
import { clientFormInput } from './client-form';
import { formOf, textField } from './form';
import { noticeFor } from './notices';
import { redirect, sendPage } from './respond';
import { adminPage, type AdminView } from './views/admin-page';
import { auditPage } from './views/audit-page';
import { WebAdminService } from './web-admin.service';
import { WebErrorFilter } from './web-error.filter';
import { WebAdminGuard } from './web-admin.guard';
import { CurrentWebSession, pageUser, WebSessionGuard } from './web-session.guard';
import type { WebSession } from './web-session.store';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const USERS_PAGE = 50;
const AUDIT_PAGE = 50;

/** A non-negative integer query parameter, clamped. */
function intParam(query: unknown, name: string, fallback: number, max: number): number {
  const value = typeof query === 'object' && query !== null ? (query as Record<string, unknown>)[name] : undefined;
  const n = typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : fallback;
  return Math.min(n, max);
}

/**
 * /admin pages for users holding `gatehouse:admin` (checked on every request against the
 * database, not a token). The bearer API keeps /admin/users, /admin/clients and /admin/keys;
 * the forms post to /admin/actions/*.
 */
@Public()
@UseGuards(WebSessionGuard, WebAdminGuard)
@UseFilters(WebErrorFilter)
@Controller('admin')
export class WebAdminController {
  constructor(
    private readonly admin: WebAdminService,
    private readonly clients: ClientsService,
    private readonly rotation: KeyRotationService,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  @Get()
  async overview(@CurrentWebSession() session: WebSession, @Query() query: unknown, @Res() reply: FastifyReply): Promise<void> {
    const offset = intParam(query, 'offset', 0, 1_000_000);
    await this.render(reply, 200, session, { notice: noticeFor(query), usersOffset: offset });
  }

  @Get('audit')
  async auditLog(@CurrentWebSession() session: WebSession, @Query() query: unknown, @Res() reply: FastifyReply): Promise<void> {
    const page = Math.max(1, intParam(query, 'page', 1, 100_000));
    const { rows, more } = await this.admin.audit(page, AUDIT_PAGE);
    sendPage(reply, 200, auditPage({ user: pageUser(session), rows, page, hasMore: more }));
  }

  @Post('actions/users/:id/:action')
  async userAction(
    @CurrentWebSession() session: WebSession,
    @Param('id') id: string,
    @Param('action') action: string,
    @Body() body: unknown,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (!UUID.test(id) || !['disable', 'enable', 'delete'].includes(action)) throw new GatehouseError('REQUEST_NOT_FOUND', 404, 'No such user action.');
    if (id === session.userId) return this.render(reply, 400, session, { errors: ['You cannot disable, enable or delete your own account here.'] });
    const actor = { userId: session.userId, ip: req.ip };
    if (action === 'delete') return this.deleteUser(session, id, textField(formOf(body), 'confirm') === 'yes', actor, reply);
    const done = action === 'disable' ? await this.admin.disableUser(id, actor) : await this.admin.enableUser(id, actor);
    if (!done) return this.render(reply, 404, session, { errors: [`No such ${action === 'disable' ? 'enabled' : 'disabled'} user.`] });
    redirect(reply, `/admin?notice=user-${action}d`);
  }

  private async deleteUser(session: WebSession, id: string, confirmed: boolean, actor: { userId: string; ip: string }, reply: FastifyReply): Promise<void> {
    if (!confirmed) return this.render(reply, 400, session, { errors: ['Tick the box next to Delete to confirm.'] });
    try {
      if (!(await this.admin.deleteUser(id, actor))) return this.render(reply, 404, session, { errors: ['No such user.'] });
    } catch (err) {
      if (!(err instanceof LastAdminError)) throw err;
      return this.render(reply, 409, session, { errors: ['That is the last administrator: the account cannot be deleted.'] });
    }
    redirect(reply, '/admin?notice=user-deleted');
  }

  /** Registers a client and shows its secret in this response only (never stored, never logged). */
  @Post('actions/clients')
  async createClient(@CurrentWebSession() session: WebSession, @Body() body: unknown, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const { id, metadata } = clientFormInput(formOf(body));
    try {
      const { client, clientSecret } = await this.clients.register({ id, ...metadata });
      await this.admin.recordAction({ userId: session.userId, ip: req.ip }, 'create_client', client.id);
      void reply.header('cache-control', 'no-store');
      if (!clientSecret) return await this.render(reply, 201, session, { notice: `Public client ${client.id} registered: it has no secret and signs users in with PKCE.` });
      await this.render(reply, 201, session, { created: { clientId: client.id, secret: clientSecret } });
    } catch (err) {
      if (!(err instanceof RequestInvalidError)) throw err;
      const issues = err.issues.length > 0 ? err.issues.map((i) => `${i.path}: ${i.message}`) : [err.message];
      await this.render(reply, 400, session, { errors: issues });
    }
  }

  @Post('actions/clients/:id/revoke')
  async revokeClient(@CurrentWebSession() session: WebSession, @Param('id') id: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const done = await this.admin.revokeClient(id.slice(0, 64), { userId: session.userId, ip: req.ip });
    if (!done) return this.render(reply, 404, session, { errors: ['No such active client.'] });
    redirect(reply, '/admin?notice=client-revoked');
  }

  /** Compromise response: a new key signs at once and older keys leave the JWKS. */
  @Post('actions/keys/rotate')
  async rotate(@CurrentWebSession() session: WebSession, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.rotation.forceRotate({ userId: session.userId, ip: req.ip });
    redirect(reply, '/admin?notice=rotated');
  }

  private async render(reply: FastifyReply, status: number, session: WebSession, extra: Partial<Pick<AdminView, 'notice' | 'errors' | 'created' | 'usersOffset'>>): Promise<void> {
    const usersOffset = extra.usersOffset ?? 0;
    const [users, clients, keys] = await Promise.all([this.admin.users(usersOffset, USERS_PAGE), this.admin.clients(), this.admin.keys()]);
    const view: AdminView = {
      user: { ...pageUser(session), id: session.userId },
      users: users.rows,
      usersOffset,
      usersPageSize: USERS_PAGE,
      moreUsers: users.more,
      clients,
      keys,
      audiences: this.config.RESOURCE_AUDIENCES,
      notice: extra.notice ?? null,
      errors: extra.errors ?? [],
      created: extra.created ?? null,
    };
    sendPage(reply, status, adminPage(view));
  }
}
