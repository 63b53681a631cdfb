import { ACCESS_TOKEN_ALG, ACCESS_TOKEN_TYP, type AccessTokenClaims, type ActorClaim } from '@gatehouse/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomUUID, sign, type KeyObject } from 'node:crypto';
import { AUTH_CONFIG } from '../config/config.tokens';
import type { AuthConfig } from '../config/config.schema';
import { KeyStoreService } from '../keys/key-store.service';

/** What a caller asks to be put into an access token. */
export interface AccessTokenRequest {
  sub: string;
  clientId: string;
  audiences: readonly string[];
  scopes: readonly string[];
  /** Session id; user tokens only. */
  sid?: string;
  /** Token exchange: the actor chain (RFC 8693 §4.1), the client the chain began with, and the subject token's exp (never outlived). */
  act?: ActorClaim;
  originClientId?: string;
  notAfter?: number;
  /** Use this jti (the caller recorded it before signing); a fresh UUID otherwise. */
  jti?: string;
  /** How the user signed in (RFC 8176) and when; user tokens only. */
  amr?: readonly string[];
  authTime?: Date;
}

/** A freshly signed access token. */
export interface IssuedAccessToken {
  token: string;
  jti: string;
  expiresIn: number;
  exp: number;
  scope: string;
}

/** Signs RS256 access tokens (RFC 9068 profile) with the active key, through @nestjs/jwt. */
@Injectable()
export class TokenIssuer {
  private header: { kid: string; encoded: string } | null = null;

  constructor(
    private readonly jwt: JwtService,
    private readonly keys: KeyStoreService,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  /** Signs an access token for `req`; claims exactly as DESIGN.md, no personal data. */
  issue(req: AccessTokenRequest): IssuedAccessToken {
    const { kid, privateKey } = this.keys.signingKey();
    const claims = this.claims(req);
    const token = this.jwt.sign(claims, {
      algorithm: ACCESS_TOKEN_ALG,
      privateKey,
      keyid: kid,
      header: { alg: ACCESS_TOKEN_ALG, typ: ACCESS_TOKEN_TYP, kid },
    });
    return { token, jti: claims.jti, expiresIn: claims.exp - claims.iat, exp: claims.exp, scope: claims.scope };
  }

  /**
   * Like {@link issue}, but the RSA signature is computed on the libuv thread pool
   * (`crypto.sign` with a callback), so the event loop keeps serving while it runs and one
   * process signs on every core. For client_credentials, where signing is nearly all the work;
   * user logins keep the synchronous path (their bcrypt already occupies the pool).
   */
  async issueAsync(req: AccessTokenRequest): Promise<IssuedAccessToken> {
    const { kid, privateKey } = this.keys.signingKey();
    const claims = this.claims(req);
    const input = `${this.encodedHeader(kid)}.${base64url(claims)}`;
    const signature = await signOnPool(input, privateKey);
    return { token: `${input}.${signature.toString('base64url')}`, jti: claims.jti, expiresIn: claims.exp - claims.iat, exp: claims.exp, scope: claims.scope };
  }

  /** The protected header only changes with the key: encode it once per kid. */
  private encodedHeader(kid: string): string {
    if (this.header?.kid !== kid) this.header = { kid, encoded: base64url({ alg: ACCESS_TOKEN_ALG, typ: ACCESS_TOKEN_TYP, kid }) };
    return this.header.encoded;
  }

  private claims(req: AccessTokenRequest): AccessTokenClaims {
    const iat = Math.floor(Date.now() / 1000);
    const ttl = this.config.ACCESS_TOKEN_TTL;
    const jti = req.jti ?? randomUUID();
    const scope = req.scopes.join(' ');
    const claims: AccessTokenClaims = {
      iss: this.config.ISSUER,
      sub: req.sub,
      aud: req.audiences.length === 1 ? (req.audiences[0] as string) : [...req.audiences],
      exp: req.notAfter === undefined ? iat + ttl : Math.min(iat + ttl, req.notAfter),
      iat,
      jti,
      client_id: req.clientId,
      scope,
      ...(req.sid ? { sid: req.sid } : {}),
      ...(req.act ? { act: req.act } : {}),
      ...(req.originClientId ? { origin_client_id: req.originClientId } : {}),
      ...(req.amr ? { amr: [...req.amr] } : {}),
      ...(req.authTime ? { auth_time: Math.floor(req.authTime.getTime() / 1000) } : {}),
    };
    return claims;
  }
}

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/** RS256 (RSASSA-PKCS1-v1_5 with SHA-256) over `input`, on the thread pool. */
export function signOnPool(input: string, key: KeyObject): Promise<Buffer> {
  return new Promise((resolve, reject) => sign('sha256', Buffer.from(input, 'utf8'), key, (err, signature) => (err ? reject(err) : resolve(signature))));
}
