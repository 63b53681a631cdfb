import { EVENT_SUBJECTS, GatehouseError, RequestInvalidError, type AccessTokenClaims } from '@gatehouse/contracts';
import { Public } from '@gatehouse/service-runtime';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req, UseGuards } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { AccountDeletion } from '../accounts/account-deletion.service';
import { audit } from '../audit/audit';
import { clientDocument, clientMetadataBody, clientRegistrationBody, metadataFrom } from '../clients/client-document';
import { ClientEntity } from '../clients/client.entity';
import { ClientsService } from '../clients/clients.service';
import { parseBody } from '../common/parse-body';
import { queryRows } from '../database/query-rows';
import { enqueueEvent } from '../events/outbox';
import { AdminGuard } from '../sessions/admin.guard';
import { Claims } from '../sessions/bearer.guard';
import { SessionRevoker } from '../sessions/session-revoker.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const page = z.object({
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** /admin/*: users (list, disable, enable, delete) and service clients (list, create, revoke). */
@Public()
@UseGuards(AdminGuard)
@Controller('admin')
export class AdminController {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly clients: ClientsService,
    private readonly revoker: SessionRevoker,
    private readonly deletion: AccountDeletion,
  ) {}

  @Get('users')
  async users(@Query() query: unknown): Promise<{ users: unknown[] }> {
    const { offset, limit } = parseBody(page, query ?? {});
    const rows = await this.ds.query(
      `SELECT id, email, scopes, disabled_at AS "disabledAt", created_at AS "createdAt" FROM users ORDER BY created_at, id OFFSET $1 LIMIT $2`,
      [offset, limit],
    );
    return { users: rows as unknown[] };
  }

  /** Disabling revokes every session of the user and publishes a subject not-before. */
  @Post('users/:id/disable')
  @HttpCode(204)
  async disable(@Param('id') id: string, @Claims() admin: AccessTokenClaims, @Req() req: FastifyRequest): Promise<void> {
    await this.ds.transaction(async (em) => {
      const hit = await queryRows<{ id: string }>(em, 'UPDATE users SET disabled_at = now() WHERE id = $1 AND disabled_at IS NULL RETURNING id', [this.userId(id)]);
      if (hit.length === 0) throw new GatehouseError('REQUEST_NOT_FOUND', 404, 'No such enabled user.');
      await this.revoker.revokeAllSessions(em, id, 'admin_action', { ip: req.ip });
      await audit(em, 'admin_action', { userId: admin.sub, ip: req.ip, details: { action: 'disable_user', target: id } });
    });
  }

  @Post('users/:id/enable')
  @HttpCode(204)
  async enable(@Param('id') id: string, @Claims() admin: AccessTokenClaims, @Req() req: FastifyRequest): Promise<void> {
    await this.ds.transaction(async (em) => {
      const hit = await queryRows<{ id: string }>(em, 'UPDATE users SET disabled_at = NULL WHERE id = $1 AND disabled_at IS NOT NULL RETURNING id', [this.userId(id)]);
      if (hit.length === 0) throw new GatehouseError('REQUEST_NOT_FOUND', 404, 'No such disabled user.');
      await audit(em, 'admin_action', { userId: admin.sub, ip: req.ip, details: { action: 'enable_user', target: id } });
    });
  }

  /**
   * Deletes a user: every session and token dies at once, the e-mail becomes free, the audit log
   * keeps the user's id only.
   *
   * @throws LastAdminError (`ACCOUNT_LAST_ADMIN`) for the last enabled administrator
   */
  @Delete('users/:id')
  @HttpCode(204)
  async remove(@Param('id') id: string, @Claims() admin: AccessTokenClaims, @Req() req: FastifyRequest): Promise<void> {
    const deleted = await this.deletion.delete(this.userId(id), { by: 'admin', adminId: admin.sub, ip: req.ip, channel: 'api' });
    if (!deleted) throw new GatehouseError('REQUEST_NOT_FOUND', 404, 'No such user.');
  }

  @Get('clients')
  async listClients(): Promise<{ clients: unknown[] }> {
    const rows = await this.ds.getRepository(ClientEntity).find({ order: { id: 'ASC' }, take: 1000 });
    return { clients: rows.map((c) => clientDocument(c)) };
  }

  /**
   * Registers a client from RFC 7591 metadata; a confidential client's secret is in this
   * response only (a public one, `token_endpoint_auth_method: none`, has none).
   */
  @Post('clients')
  @HttpCode(201)
  async createClient(@Body() body: unknown, @Claims() admin: AccessTokenClaims, @Req() req: FastifyRequest): Promise<Record<string, unknown>> {
    const input = parseBody(clientRegistrationBody, body);
    const id = input.client_id ?? input.id;
    if (!id) throw new RequestInvalidError('The client registration is invalid.', [{ path: 'client_id', message: 'required' }]);
    const { client, clientSecret } = await this.clients.register({ id, ...metadataFrom(input) });
    await audit(this.ds.manager, 'admin_action', { userId: admin.sub, ip: req.ip, details: { action: 'create_client', target: client.id } });
    return clientDocument(client, clientSecret);
  }

  /** Replaces a client's metadata (the whole document, RFC 7592 style); the secret stays. */
  @Put('clients/:id')
  async updateClient(@Param('id') id: string, @Body() body: unknown, @Claims() admin: AccessTokenClaims, @Req() req: FastifyRequest): Promise<Record<string, unknown>> {
    const input = parseBody(clientMetadataBody, body);
    const client = await this.clients.update(id.slice(0, 64), metadataFrom(input));
    if (!client) throw new GatehouseError('REQUEST_NOT_FOUND', 404, 'No such active client.');
    await audit(this.ds.manager, 'admin_action', { userId: admin.sub, ip: req.ip, details: { action: 'update_client', target: client.id } });
    return clientDocument(client);
  }

  /** Revokes a client: its secret stops working and verifiers refuse its existing tokens. */
  @Post('clients/:id/revoke')
  @HttpCode(204)
  async revokeClient(@Param('id') id: string, @Claims() admin: AccessTokenClaims, @Req() req: FastifyRequest): Promise<void> {
    await this.ds.transaction(async (em) => {
      if (!(await this.clients.revoke(em, id.slice(0, 64)))) throw new GatehouseError('REQUEST_NOT_FOUND', 404, 'No such active client.');
      await enqueueEvent(em, EVENT_SUBJECTS.revokedClient, { v: 1, clientId: id, notBefore: Math.floor(Date.now() / 1000) });
      await audit(em, 'admin_action', { userId: admin.sub, ip: req.ip, details: { action: 'revoke_client', target: id } });
    });
    this.clients.forget(id.slice(0, 64));
  }

  private userId(id: string): string {
    if (!UUID.test(id)) throw new RequestInvalidError('The user id must be a UUID.', [{ path: 'id', message: 'must be a UUID' }]);
    return id;
  }
}
