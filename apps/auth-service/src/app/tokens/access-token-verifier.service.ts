import { ACCESS_TOKEN_ALG, ACCESS_TOKEN_TYP, accessTokenClaimsSchema, actorChain, type AccessTokenClaims, type PublicJwk } from '@gatehouse/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { InjectDataSource } from '@nestjs/typeorm';
import { createPublicKey } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AUTH_CONFIG } from '../config/config.tokens';
import type { AuthConfig } from '../config/config.schema';
import type { SqlStatement } from '../database/one-statement';
import { KeyStoreService } from '../keys/key-store.service';

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Checks access tokens this issuer signed: signature by a currently published key, RS256,
 * `typ` at+jwt, issuer, expiry, claim types, and then the database's word on revocation
 * (session ended, token revoked, user disabled, client revoked). The issuer's view is
 * authoritative, so this needs no events.
 */
@Injectable()
export class AccessTokenVerifier {
  private readonly pems = new Map<string, string>();

  constructor(
    private readonly jwt: JwtService,
    private readonly keys: KeyStoreService,
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  /** Verified claims, or null for anything malformed, forged, expired or foreign. */
  verifySignature(token: string): AccessTokenClaims | null {
    if (token.length > 8192 || !JWT_SHAPE.test(token)) return null;
    try {
      const decoded = this.jwt.decode<{ header: { kid?: unknown; typ?: unknown; alg?: unknown } } | null>(token, { complete: true });
      const jwk = this.keys.publicKeys().find((k) => k.kid === decoded?.header.kid);
      if (!jwk || decoded?.header.typ !== ACCESS_TOKEN_TYP || decoded.header.alg !== ACCESS_TOKEN_ALG) return null;
      const payload: unknown = this.jwt.verify(token, { publicKey: this.pem(jwk), algorithms: [ACCESS_TOKEN_ALG], issuer: this.config.ISSUER });
      const parsed = accessTokenClaimsSchema.safeParse(payload);
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  /**
   * Whether verified claims are still honoured: not revoked by jti, session, user or client —
   * for an exchanged token, any client of its chain (acting clients and the origin client).
   */
  async isLive(claims: AccessTokenClaims): Promise<boolean> {
    return this.isLiveThen(claims);
  }

  /**
   * {@link isLive}, and — only if the claims are live — `then` (an INSERT, e.g. an audit row) in
   * the same statement: one round trip for the check and the write that depends on it.
   */
  async isLiveThen(claims: AccessTokenClaims, then?: SqlStatement): Promise<boolean> {
    if (claims.sid && !isUuid(claims.sid)) return false;
    const params: unknown[] = [claims.jti, claims.sid ?? null, claims.sub, clientsOf(claims)];
    const write = then ? `, w AS (${then.text.replace(/\$(\d+)/g, (_, n: string) => `$${4 + Number(n)}`).replace(/\bVALUES\s*\(([^]*)\)\s*$/, 'SELECT $1 FROM live WHERE ok')})` : '';
    if (then) params.push(...then.params);
    const rows: { ok: boolean }[] = await this.ds.query(
      `WITH live AS (SELECT NOT EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = $1)
          AND ($2::uuid IS NULL OR EXISTS (
                SELECT 1 FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.id = $2::uuid AND s.user_id::text = $3 AND s.revoked_at IS NULL
                   AND u.disabled_at IS NULL AND s.absolute_expires_at > now()))
          AND NOT EXISTS (SELECT 1 FROM clients c WHERE c.id = ANY($4::text[]) AND c.revoked_at IS NOT NULL) AS ok)${write}
       SELECT ok FROM live`,
      params,
    );
    return rows[0]?.ok === true;
  }

  private pem(jwk: PublicJwk): string {
    let pem = this.pems.get(jwk.kid);
    if (!pem) {
      pem = createPublicKey({ key: { ...jwk }, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
      this.pems.set(jwk.kid, pem);
    }
    return pem;
  }
}

/** Every client whose revocation kills the token: its own, the origin of an exchange, and each actor. */
function clientsOf(claims: AccessTokenClaims): string[] {
  return [...new Set([claims.client_id, ...(claims.origin_client_id ? [claims.origin_client_id] : []), ...actorChain(claims.act)])];
}

function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
