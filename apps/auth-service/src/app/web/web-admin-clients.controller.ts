import { GatehouseError, RequestInvalidError } from '@gatehouse/contracts';
import { Public } from '@gatehouse/service-runtime';
import { Body, Controller, Get, Inject, Param, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ClientsService } from '../clients/clients.service';
import { AUTH_CONFIG } from '../config/config.tokens';
import type { AuthConfig } from '../config/config.schema';
import { formatExchangeTarget } from '../clients/exchange-policy';
import { clientFormInput, formValuesOf, type ClientFormValues } from './client-form';
import { formOf } from './form';
import { redirect, sendPage } from './respond';
import { clientEditPage } from './views/client-edit-page';
import { WebAdminGuard } from './web-admin.guard';
import { WebAdminService } from './web-admin.service';
import { WebErrorFilter } from './web-error.filter';
import { CurrentWebSession, pageUser, WebSessionGuard } from './web-session.guard';
import type { WebSession } from './web-session.store';

/** /admin/clients/:id: edit a client's registration (redirect URIs, scopes, …) from the dashboard. */
@Public()
@UseGuards(WebSessionGuard, WebAdminGuard)
@UseFilters(WebErrorFilter)
@Controller('admin')
export class WebAdminClientsController {
  constructor(
    private readonly clients: ClientsService,
    private readonly admin: WebAdminService,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  @Get('clients/:id')
  async edit(@CurrentWebSession() session: WebSession, @Param('id') id: string, @Res() reply: FastifyReply): Promise<void> {
    const client = await this.clients.find(id.slice(0, 64));
    if (!client || client.revokedAt) throw new GatehouseError('REQUEST_NOT_FOUND', 404, 'No such active client.');
    this.show(reply, 200, session, formValuesOf(client));
  }

  @Post('actions/clients/:id')
  async save(@CurrentWebSession() session: WebSession, @Param('id') id: string, @Body() body: unknown, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const form = formOf(body);
    const { metadata } = clientFormInput(form);
    const clientId = id.slice(0, 64);
    try {
      const updated = await this.clients.update(clientId, metadata);
      if (!updated) throw new GatehouseError('REQUEST_NOT_FOUND', 404, 'No such active client.');
      await this.admin.recordAction({ userId: session.userId, ip: req.ip }, 'update_client', clientId);
      redirect(reply, '/admin?notice=client-updated');
    } catch (err) {
      if (!(err instanceof RequestInvalidError)) throw err;
      const issues = err.issues.length > 0 ? err.issues.map((i) => `${i.path}: ${i.message}`) : [err.message];
      const current = await this.clients.find(clientId);
      if (!current) throw new GatehouseError('REQUEST_NOT_FOUND', 404, 'No such active client.');
      this.show(reply, 400, session, { ...formValuesOf(current), ...submitted(form, clientId) }, issues);
    }
  }

  private show(reply: FastifyReply, status: number, session: WebSession, values: ClientFormValues, errors: string[] = []): void {
    sendPage(reply, status, clientEditPage({ user: pageUser(session), values, audiences: this.config.RESOURCE_AUDIENCES, errors }));
  }
}

/** What the admin typed, shown again next to the errors. */
function submitted(form: Record<string, unknown>, id: string): Partial<ClientFormValues> {
  const { metadata } = clientFormInput(form);
  return {
    id,
    ...(metadata.name ? { name: metadata.name } : {}),
    scopes: (metadata.scopes ?? []).join(' '),
    redirectUris: (metadata.redirectUris ?? []).join('\n'),
    postLogoutRedirectUris: (metadata.postLogoutRedirectUris ?? []).join('\n'),
    backchannelLogoutUri: metadata.backchannelLogoutUri ?? '',
    exchangeSubjectAudience: metadata.tokenExchange?.subjectAudience ?? '',
    exchangeTargets: (metadata.tokenExchange?.targets ?? []).map(formatExchangeTarget).join('\n'),
  };
}
