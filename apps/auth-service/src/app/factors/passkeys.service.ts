import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { z } from 'zod';
import { AUTH_CONFIG } from '../config/config.tokens';
import type { AuthConfig } from '../config/config.schema';
import { queryRows } from '../database/query-rows';
import { AuthChallenges } from './auth-challenges.service';

/** Seconds a WebAuthn ceremony may take (the browser's own timeout is one minute). */
const CEREMONY_TTL = 300;

const b64url = z.string().regex(/^[A-Za-z0-9_-]{1,2048}$/);
/** The shape of a credential the browser sends back; the library checks the rest. */
const credentialJson = z.looseObject({
  id: b64url,
  rawId: b64url,
  type: z.literal('public-key'),
  response: z.looseObject({ clientDataJSON: b64url }),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
});

/** A verified passkey sign-in. */
export interface PasskeyAssertion {
  userId: string;
  factorId: string;
  userVerified: boolean;
}

interface StoredPasskey {
  id: string;
  user_id: string;
  credential_id: Buffer;
  public_key: Buffer;
  sign_count: string;
  transports: string[] | null;
}

/**
 * Passkeys (WebAuthn Level 3) through @simplewebauthn/server: discoverable credentials with user
 * verification, relying party WEBAUTHN_RP_ID (default: the ISSUER's host) and origins
 * WEBAUTHN_ORIGINS (default: the ISSUER's origin). Each ceremony's challenge is a single-use
 * row of `auth_challenges`; the browser only holds a ticket naming it.
 */
@Injectable()
export class Passkeys {
  private readonly rpId: string;
  private readonly origins: string[];

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly challenges: AuthChallenges,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {
    const issuer = new URL(config.ISSUER);
    this.rpId = config.WEBAUTHN_RP_ID ?? issuer.hostname;
    this.origins = config.WEBAUTHN_ORIGINS ?? [issuer.origin];
  }

  /** Options for `navigator.credentials.create` and the ticket of this ceremony. */
  async registrationOptions(user: { id: string; email: string }): Promise<{ ticket: string; options: PublicKeyCredentialCreationOptionsJSON }> {
    const existing = await this.ofUser(user.id);
    const options = await generateRegistrationOptions({
      rpName: this.config.WEBAUTHN_RP_NAME,
      rpID: this.rpId,
      userName: user.email,
      userID: new TextEncoder().encode(user.id),
      attestationType: 'none',
      excludeCredentials: existing.map((p) => ({ id: p.credential_id.toString('base64url'), transports: p.transports ?? [] })),
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    });
    const ticket = await this.challenges.create('passkey_register', user.id, { challenge: options.challenge }, CEREMONY_TTL);
    return { ticket, options };
  }

  /** Verifies a new credential and stores it in `em`'s transaction; null if it does not verify. */
  async register(em: EntityManager, userId: string, ticket: unknown, response: unknown, label: string): Promise<{ factorId: string } | null> {
    const parsed = credentialJson.safeParse(response);
    const pending = await this.challenges.consume('passkey_register', ticket);
    if (!parsed.success || !pending || pending.userId !== userId) return null;
    let verification;
    try {
      verification = await verifyRegistrationResponse({
        response: parsed.data as unknown as RegistrationResponseJSON,
        expectedChallenge: String(pending.data['challenge']),
        expectedOrigin: this.origins,
        expectedRPID: this.rpId,
        requireUserVerification: true,
      });
    } catch {
      return null;
    }
    if (!verification.verified) return null;
    const { credential } = verification.registrationInfo;
    const factorId = randomUUID();
    await em.query(
      `INSERT INTO user_factors (id, user_id, kind, label, confirmed_at, credential_id, public_key, sign_count, transports)
       VALUES ($1, $2, 'passkey', $3, now(), $4, $5, $6, $7) ON CONFLICT (credential_id) DO NOTHING`,
      [factorId, userId, label.slice(0, 64) || 'Passkey', Buffer.from(credential.id, 'base64url'), Buffer.from(credential.publicKey), credential.counter, credential.transports ?? []],
    );
    return { factorId };
  }

  /** Options for `navigator.credentials.get`: the user's passkeys, or (no user) any discoverable one. */
  async authenticationOptions(userId: string | null, data: Record<string, unknown> = {}): Promise<{ ticket: string; options: PublicKeyCredentialRequestOptionsJSON }> {
    const allow = userId ? (await this.ofUser(userId)).map((p) => ({ id: p.credential_id.toString('base64url'), transports: p.transports ?? [] })) : undefined;
    const options = await generateAuthenticationOptions({ rpID: this.rpId, userVerification: 'required', ...(allow ? { allowCredentials: allow } : {}) });
    const ticket = await this.challenges.create('passkey_login', userId, { ...data, challenge: options.challenge }, CEREMONY_TTL);
    return { ticket, options };
  }

  /**
   * Verifies an assertion against the ceremony of `ticket` (bound to `userId` when it was a
   * second factor) and moves the signature counter; null if anything does not match.
   */
  async authenticate(ticket: unknown, response: unknown): Promise<(PasskeyAssertion & { data: Record<string, unknown> }) | null> {
    const parsed = credentialJson.safeParse(response);
    const pending = await this.challenges.consume('passkey_login', ticket);
    if (!parsed.success || !pending) return null;
    const rows = await queryRows<StoredPasskey>(
      this.ds.manager,
      `SELECT f.id, f.user_id, f.credential_id, f.public_key, f.sign_count, f.transports FROM user_factors f JOIN users u ON u.id = f.user_id
        WHERE f.credential_id = $1 AND f.kind = 'passkey' AND u.disabled_at IS NULL`,
      [Buffer.from(parsed.data.id, 'base64url')],
    );
    const stored = rows[0];
    if (!stored || (pending.userId !== null && stored.user_id !== pending.userId)) return null;
    let verification;
    try {
      verification = await verifyAuthenticationResponse({
        response: parsed.data as unknown as AuthenticationResponseJSON,
        expectedChallenge: String(pending.data['challenge']),
        expectedOrigin: this.origins,
        expectedRPID: this.rpId,
        credential: { id: stored.credential_id.toString('base64url'), publicKey: new Uint8Array(stored.public_key), counter: Number(stored.sign_count), transports: stored.transports ?? [] },
        requireUserVerification: true,
      });
    } catch {
      return null;
    }
    if (!verification.verified) return null;
    await this.ds.query('UPDATE user_factors SET sign_count = $2, last_used_at = now() WHERE id = $1', [stored.id, verification.authenticationInfo.newCounter]);
    return { userId: stored.user_id, factorId: stored.id, userVerified: verification.authenticationInfo.userVerified, data: pending.data };
  }

  private ofUser(userId: string): Promise<StoredPasskey[]> {
    return queryRows<StoredPasskey>(
      this.ds.manager,
      `SELECT id, user_id, credential_id, public_key, sign_count, transports FROM user_factors WHERE user_id = $1 AND kind = 'passkey'`,
      [userId],
    );
  }
}
