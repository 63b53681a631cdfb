import { EVENT_SUBJECTS, FIRST_PARTY_CLIENT_ID, OAuthError, type ActorClaim } from '@gatehouse/contracts';
import { Public } from '@gatehouse/service-runtime';
import { Body, Controller, Headers, HttpCode, Post, Res } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { parseOAuthBody } from '../common/parse-body';
import { queryRows } from '../database/query-rows';
import { enqueueEvent } from '../events/outbox';
import { RefreshTokenService } from '../refresh/refresh-token.service';
import { SessionRevoker } from '../sessions/session-revoker.service';
import { AccessTokenVerifier } from '../tokens/access-token-verifier.service';
import { OAuthClientResolver } from './oauth-client.resolver';

const schema = z.object({
  token: z.string().min(1).max(8192),
  token_type_hint: z.string().max(64).optional(),
  client_id: z.string().max(256).optional(),
  client_secret: z.string().max(512).optional(),
});

/** Introspection answer (RFC 7662 §2.2); inactive tokens reveal nothing else. */
export type IntrospectionResponse =
  | { active: false }
  | { active: true; token_type: 'Bearer' | 'refresh_token'; scope: string; client_id: string; sub: string; exp: number; iat?: number; iss?: string; aud?: string | string[]; jti?: string; sid?: string; act?: ActorClaim; origin_client_id?: string };

/** POST /oauth/revoke (RFC 7009) and POST /oauth/introspect (RFC 7662). */
@Public()
@Controller('oauth')
export class RevocationController {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly clients: OAuthClientResolver,
    private readonly refresh: RefreshTokenService,
    private readonly access: AccessTokenVerifier,
    private readonly revoker: SessionRevoker,
  ) {}

  /** Revokes a refresh token (its whole session) or an access token of the calling client. Always 200 for unknown tokens. */
  @Post('revoke')
  @HttpCode(200)
  async revoke(@Body() body: unknown, @Headers('authorization') authorization: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): Promise<Record<string, never>> {
    const params = parseOAuthBody(schema, body);
    void reply.header('cache-control', 'no-store');
    if (params.token_type_hint && !['access_token', 'refresh_token'].includes(params.token_type_hint)) {
      throw new OAuthError('unsupported_token_type', 'Only access_token and refresh_token can be revoked.');
    }
    const clientId = await this.clients.resolve(authorization, params, true);
    const refresh = await this.refresh.lookup(params.token);
    if (refresh) {
      if (refresh.clientId === clientId) {
        await this.ds.transaction((em) => this.revoker.revokeSession(em, refresh.userId, refresh.sessionId, 'session_revoked'));
      }
      return {};
    }
    const claims = this.access.verifySignature(params.token);
    if (claims && claims.client_id === clientId) {
      await this.ds.transaction(async (em) => {
        const inserted = await queryRows<{ jti: string }>(
          em,
          'INSERT INTO revoked_tokens (jti, expires_at) VALUES ($1, to_timestamp($2)) ON CONFLICT DO NOTHING RETURNING jti',
          [claims.jti, claims.exp],
        );
        if (inserted.length > 0) await enqueueEvent(em, EVENT_SUBJECTS.revokedToken, { v: 1, jti: claims.jti, exp: claims.exp });
      });
    }
    return {};
  }

  /** Introspects for authenticated (confidential) clients only. */
  @Post('introspect')
  @HttpCode(200)
  async introspect(@Body() body: unknown, @Headers('authorization') authorization: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): Promise<IntrospectionResponse> {
    const params = parseOAuthBody(schema, body);
    void reply.header('cache-control', 'no-store');
    const clientId = await this.clients.resolve(authorization, params, false);
    if (clientId === FIRST_PARTY_CLIENT_ID) throw new OAuthError('invalid_client', 'Client authentication is required.');
    const claims = this.access.verifySignature(params.token);
    if (claims) {
      if (!(await this.access.isLive(claims))) return { active: false };
      return { active: true, token_type: 'Bearer', ...claims };
    }
    const refresh = await this.refresh.lookup(params.token);
    // Refresh tokens are described only to the client they were issued to.
    if (!refresh || !refresh.active || refresh.clientId !== clientId) return { active: false };
    return { active: true, token_type: 'refresh_token', scope: refresh.scope, client_id: refresh.clientId, sub: refresh.userId, exp: refresh.exp, sid: refresh.sessionId };
  }
}
