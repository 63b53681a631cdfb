import { Inject, Injectable } from '@nestjs/common';
import { AUTH_CONFIG } from '../config/config.tokens';
import type { AuthConfig } from '../config/config.schema';
import { JwtSigner } from '../tokens/jwt-signer.service';

/** What an ID token says about a sign-in. */
export interface IdTokenInput {
  userId: string;
  clientId: string;
  sessionId: string;
  authTime: Date;
  /** How the user signed in (RFC 8176). */
  amr: readonly string[];
  nonce: string | null;
  scopes: readonly string[];
  email: string;
}

/**
 * ID tokens (OpenID Connect Core §2): `iss sub aud exp iat auth_time amr nonce sid azp`, and the
 * e-mail address only with the `email` scope. Gatehouse does not verify addresses, so
 * `email_verified` is false. They live as long as an access token.
 */
@Injectable()
export class IdTokenIssuer {
  constructor(
    private readonly signer: JwtSigner,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  /** Signs on the libuv pool, so it can run beside the access token's signature. */
  issue(input: IdTokenInput): Promise<string> {
    const iat = Math.floor(Date.now() / 1000);
    return this.signer.signAsync('JWT', {
      iss: this.config.ISSUER,
      sub: input.userId,
      aud: input.clientId,
      azp: input.clientId,
      exp: iat + this.config.ACCESS_TOKEN_TTL,
      iat,
      auth_time: Math.floor(input.authTime.getTime() / 1000),
      amr: [...input.amr],
      sid: input.sessionId,
      ...(input.nonce !== null ? { nonce: input.nonce } : {}),
      ...(input.scopes.includes('email') ? { email: input.email, email_verified: false } : {}),
    });
  }
}
