import { ACCESS_TOKEN_ALG } from '@gatehouse/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { createPublicKey, verify } from 'node:crypto';
import { AUTH_CONFIG } from '../config/config.tokens';
import type { AuthConfig } from '../config/config.schema';
import { KeyStoreService } from '../keys/key-store.service';

/** What an `id_token_hint` tells the end-session endpoint. */
export interface IdTokenHint {
  sub: string;
  sid: string;
  clientId: string;
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Checks an ID token this issuer signed, for RP-initiated logout: RS256 by a published key,
 * `typ` JWT, our `iss`, a single audience. An expired one is still a valid hint (RP-Initiated
 * Logout 1.0 §2: the user may have been idle), so `exp` is not checked.
 */
@Injectable()
export class IdTokenHints {
  constructor(
    private readonly keys: KeyStoreService,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  /** The hint's subject, session and client, or null for anything that is not our ID token. */
  verify(token: unknown): IdTokenHint | null {
    if (typeof token !== 'string' || token.length > 8192 || !JWT_SHAPE.test(token)) return null;
    const [h = '', p = '', sig = ''] = token.split('.');
    const header = parse(h);
    const jwk = this.keys.publicKeys().find((k) => k.kid === header?.['kid']);
    if (!jwk || header?.['alg'] !== ACCESS_TOKEN_ALG || header['typ'] !== 'JWT') return null;
    const key = createPublicKey({ key: { ...jwk }, format: 'jwk' });
    if (!verify('sha256', Buffer.from(`${h}.${p}`), key, Buffer.from(sig, 'base64url'))) return null;
    const claims = parse(p);
    const { iss, sub, sid, aud } = claims ?? {};
    if (iss !== this.config.ISSUER || typeof sub !== 'string' || typeof sid !== 'string' || typeof aud !== 'string') return null;
    return { sub, sid, clientId: aud };
  }
}

function parse(segment: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
