import { ACCESS_TOKEN_ALG } from '@gatehouse/contracts';
import { Injectable } from '@nestjs/common';
import { sign } from 'node:crypto';
import { KeyStoreService } from '../keys/key-store.service';
import { signOnPool } from './token-issuer.service';

/**
 * Signs the issuer's other JWTs — ID tokens (`typ: JWT`) and back-channel logout tokens
 * (`typ: logout+jwt`) — with the active RS256 key of the JWKS, so relying parties verify every
 * token of ours with the same keys.
 */
@Injectable()
export class JwtSigner {
  constructor(private readonly keys: KeyStoreService) {}

  /** A compact RS256 JWS of `claims` with `typ` in the protected header. */
  sign(typ: string, claims: Record<string, unknown>): string {
    const { kid, privateKey } = this.keys.signingKey();
    const input = `${encode({ alg: ACCESS_TOKEN_ALG, typ, kid })}.${encode(claims)}`;
    return `${input}.${sign('sha256', Buffer.from(input, 'utf8'), privateKey).toString('base64url')}`;
  }

  /** Like {@link sign}, with the RSA operation on the libuv pool (the event loop keeps serving). */
  async signAsync(typ: string, claims: Record<string, unknown>): Promise<string> {
    const { kid, privateKey } = this.keys.signingKey();
    const input = `${encode({ alg: ACCESS_TOKEN_ALG, typ, kid })}.${encode(claims)}`;
    return `${input}.${(await signOnPool(input, privateKey)).toString('base64url')}`;
  }
}

function encode(value: object): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}
