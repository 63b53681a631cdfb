import { OAuthError, type AccessTokenClaims } from '@gatehouse/contracts';
import { Public } from '@gatehouse/service-runtime';
import { Controller, Get, Headers, HttpCode, Post, Res } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';
import { queryRows } from '../database/query-rows';
import { AccessTokenVerifier } from '../tokens/access-token-verifier.service';

/** What the userinfo endpoint returns (OIDC Core §5.3.2). */
export interface UserInfo {
  sub: string;
  email?: string;
  email_verified?: boolean;
}

/**
 * GET/POST /oauth/userinfo (OIDC Core §5.3): a bearer access token with the `openid` scope,
 * still live in the issuer's own records. `email` only with the `email` scope. Failures follow
 * RFC 6750 §3: 401 `invalid_token`, 403 `insufficient_scope`, with `WWW-Authenticate`.
 */
@Public()
@Controller('oauth/userinfo')
export class UserinfoController {
  constructor(
    private readonly verifier: AccessTokenVerifier,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  @Get()
  get(@Headers('authorization') authorization: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): Promise<UserInfo> {
    return this.userinfo(authorization, reply);
  }

  @Post()
  @HttpCode(200)
  post(@Headers('authorization') authorization: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): Promise<UserInfo> {
    return this.userinfo(authorization, reply);
  }

  private async userinfo(authorization: string | undefined, reply: FastifyReply): Promise<UserInfo> {
    void reply.header('cache-control', 'no-store');
    const claims = await this.claims(authorization, reply);
    const scopes = claims.scope.split(' ');
    if (!scopes.includes('openid')) {
      void reply.header('www-authenticate', 'Bearer error="insufficient_scope", scope="openid"');
      throw new OAuthError('invalid_request', 'The access token lacks the openid scope.', 403);
    }
    const rows = await queryRows<{ email: string }>(this.ds.manager, 'SELECT email FROM users WHERE id::text = $1 AND disabled_at IS NULL', [claims.sub]);
    const user = rows[0];
    if (!user) throw this.invalid(reply, 'The user no longer exists.');
    return { sub: claims.sub, ...(scopes.includes('email') ? { email: user.email, email_verified: false } : {}) };
  }

  private async claims(authorization: string | undefined, reply: FastifyReply): Promise<AccessTokenClaims> {
    const token = authorization && /^Bearer \S{1,8192}$/i.test(authorization) ? authorization.slice(7) : undefined;
    if (!token) {
      void reply.header('www-authenticate', 'Bearer realm="gatehouse"');
      throw new OAuthError('invalid_token', 'A bearer access token is required.', 401);
    }
    const claims = this.verifier.verifySignature(token);
    if (!claims || !claims.sid || !(await this.verifier.isLive(claims))) throw this.invalid(reply, 'The access token is invalid, expired or revoked.');
    return claims;
  }

  private invalid(reply: FastifyReply, description: string): OAuthError {
    void reply.header('www-authenticate', `Bearer error="invalid_token", error_description="${description}"`);
    return new OAuthError('invalid_token', description, 401);
  }
}
