import { GatehouseError, type AccessTokenClaims } from '@gatehouse/contracts';
import { Public } from '@gatehouse/service-runtime';
import { Controller, Delete, Get, HttpCode, Param, Post, Req, UseGuards } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { BearerGuard, Claims } from './bearer.guard';
import { SessionRevoker } from './session-revoker.service';

/** A session as the user sees it. */
export interface SessionView {
  id: string;
  kind: 'api' | 'web';
  clientId: string;
  device: string | null;
  ip: string | null;
  createdAt: string;
  lastUsedAt: string;
  current: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Logout, logout-all and the user's session list (bearer-authenticated). */
@Public()
@UseGuards(BearerGuard)
@Controller('auth')
export class SessionsController {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly revoker: SessionRevoker,
  ) {}

  @Post('logout')
  @HttpCode(204)
  async logout(@Claims() claims: AccessTokenClaims, @Req() req: FastifyRequest): Promise<void> {
    await this.ds.transaction((em) => this.revoker.revokeSession(em, claims.sub, claims.sid as string, 'logout', req.ip));
  }

  @Post('logout-all')
  @HttpCode(204)
  async logoutAll(@Claims() claims: AccessTokenClaims, @Req() req: FastifyRequest): Promise<void> {
    await this.ds.transaction((em) => this.revoker.revokeAllSessions(em, claims.sub, 'logout_all', { ip: req.ip }));
  }

  @Get('sessions')
  async list(@Claims() claims: AccessTokenClaims): Promise<{ sessions: SessionView[] }> {
    const rows: { id: string; kind: 'api' | 'web'; client_id: string; user_agent: string | null; ip: string | null; created_at: Date; last_used_at: Date }[] =
      await this.ds.query(
        `SELECT id, kind, client_id, user_agent, ip, created_at, last_used_at FROM sessions
          WHERE user_id = $1 AND revoked_at IS NULL AND absolute_expires_at > now() AND idle_expires_at > now()
          ORDER BY last_used_at DESC LIMIT 200`,
        [claims.sub],
      );
    return {
      sessions: rows.map((r) => ({
        id: r.id,
        kind: r.kind,
        clientId: r.client_id,
        device: r.user_agent,
        ip: r.ip,
        createdAt: r.created_at.toISOString(),
        lastUsedAt: r.last_used_at.toISOString(),
        current: r.id === claims.sid,
      })),
    };
  }

  @Delete('sessions/:id')
  @HttpCode(204)
  async revoke(@Claims() claims: AccessTokenClaims, @Param('id') id: string, @Req() req: FastifyRequest): Promise<void> {
    const ended = UUID.test(id) && (await this.ds.transaction((em) => this.revoker.revokeSession(em, claims.sub, id, 'session_revoked', req.ip)));
    if (!ended) throw new GatehouseError('REQUEST_NOT_FOUND', 404, 'No such session.');
  }
}
