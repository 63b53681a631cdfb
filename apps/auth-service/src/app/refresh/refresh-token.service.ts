import { EVENT_SUBJECTS, OAuthError, type TokenResponse } from '@gatehouse/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { audit } from '../audit/audit';
import { AUTH_CONFIG } from '../config/config.tokens';
import type { AuthConfig } from '../config/config.schema';
import type { SqlStatement } from '../database/one-statement';
import { enqueueEvent } from '../events/outbox';
import { KeyEncryption } from '../keys/key-encryption';
import { KEY_ENCRYPTION } from '../keys/key-store.service';
import { queueBackchannelLogout } from '../oidc/backchannel-logout';
import { TokenIssuer } from '../tokens/token-issuer.service';

/** What a new refresh-token family is bound to. */
export interface RefreshBinding {
  sessionId: string;
  userId: string;
  clientId: string;
  scopes: readonly string[];
  audiences: readonly string[];
}

interface TokenRow {
  id: string;
  family_id: string;
  session_id: string;
  user_id: string;
  client_id: string;
  scopes: string[];
  audiences: string[];
  expires_at: Date;
  rotated_at: Date | null;
  successor_id: string | null;
  successor_enc: string | null;
  revoked_at: Date | null;
  session_revoked_at: Date | null;
  session_idle_expires_at: Date;
  session_absolute_expires_at: Date;
  user_disabled_at: Date | null;
  session_amr: string[];
  session_auth_time: Date;
}

/** A refresh token row with what decides whether it is usable; exported for the EXPLAIN test of the hot path. */
export const SELECT_TOKEN = `
  SELECT rt.*, s.revoked_at AS session_revoked_at, s.idle_expires_at AS session_idle_expires_at,
         s.absolute_expires_at AS session_absolute_expires_at, u.disabled_at AS user_disabled_at,
         s.amr AS session_amr, COALESCE(s.auth_time, s.created_at) AS session_auth_time
    FROM refresh_tokens rt
    JOIN sessions s ON s.id = rt.session_id
    JOIN users u ON u.id = rt.user_id`;

const MAX_CHAIN = 16;
const INVALID = () => new OAuthError('invalid_grant', 'The refresh token is invalid, expired or revoked.');

type Outcome = { ok: TokenResponse } | { theft: true };

/**
 * Rotating refresh tokens with reuse detection (DESIGN.md, Tokens).
 * Every use rotates; the row lock serialises concurrent uses across replicas. Within
 * REFRESH_REUSE_GRACE a repeated use returns the live successor (sealed on the row), so retries
 * and races never fork a family; after it, reuse is theft: family and session die.
 */
@Injectable()
export class RefreshTokenService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(KEY_ENCRYPTION) private readonly sealer: KeyEncryption,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
    private readonly issuer: TokenIssuer,
  ) {}

  /**
   * Starts a new family for a fresh session: returns the opaque token (256 random bits) and the
   * INSERT that stores its hash, which the caller runs in the statement that opens the session.
   */
  startFamily(binding: RefreshBinding): { token: string; statement: SqlStatement } {
    const token = newToken();
    return { token, statement: insertStatement(randomUUID(), randomUUID(), binding, token, this.expiry(new Date())) };
  }

  /** A new refresh token and the hash to store, for a family written elsewhere (the code exchange's statement). */
  mint(): { token: string; hash: Buffer } {
    const token = newToken();
    return { token, hash: sha256(token) };
  }

  /**
   * Exchanges a refresh token for a new access token and the next refresh token.
   *
   * @param presented - the refresh token from the client
   * @param clientId - the authenticated or declared client; must match the binding
   * @throws OAuthError `invalid_grant` for unknown, expired, revoked or reused tokens
   */
  async rotate(presented: string, clientId: string): Promise<TokenResponse> {
    if (presented.length < 40 || presented.length > 128) throw INVALID();
    // The grace window is judged by when the request arrived, not when it got the row lock:
    // a concurrent twin queued behind a slow rotation is still a twin, not a thief.
    const receivedAt = new Date();
    const outcome = await this.ds.transaction((em) => this.rotateIn(em, presented, clientId, receivedAt));
    if ('theft' in outcome) throw INVALID();
    return outcome.ok;
  }

  /**
   * Looks a refresh token up without using it (introspection, revocation).
   *
   * @returns the binding and whether it is still usable, or null if unknown
   */
  async lookup(presented: string): Promise<{ active: boolean; sessionId: string; userId: string; clientId: string; scope: string; exp: number } | null> {
    if (presented.length < 40 || presented.length > 128) return null;
    const rows: TokenRow[] = await this.ds.query(`${SELECT_TOKEN} WHERE rt.token_hash = $1`, [sha256(presented)]);
    const row = rows[0];
    if (!row) return null;
    return {
      active: row.rotated_at === null && this.usable(row, new Date()),
      sessionId: row.session_id,
      userId: row.user_id,
      clientId: row.client_id,
      scope: row.scopes.join(' '),
      exp: Math.floor(row.expires_at.getTime() / 1000),
    };
  }

  private async rotateIn(em: EntityManager, presented: string, clientId: string, receivedAt: Date): Promise<Outcome> {
    const rows: TokenRow[] = await em.query(`${SELECT_TOKEN} WHERE rt.token_hash = $1 FOR UPDATE OF rt`, [sha256(presented)]);
    const row = rows[0];
    const now = new Date();
    if (!row || row.client_id !== clientId || !this.usable(row, now)) throw INVALID();
    if (row.rotated_at === null) return { ok: await this.advance(em, row, now) };
    if (receivedAt.getTime() - row.rotated_at.getTime() <= this.config.REFRESH_REUSE_GRACE * 1000) {
      return { ok: await this.replayWithinGrace(em, row) };
    }
    await this.revokeForTheft(em, row, now);
    return { theft: true };
  }

  private usable(row: TokenRow, now: Date): boolean {
    return (
      row.revoked_at === null &&
      row.session_revoked_at === null &&
      row.user_disabled_at === null &&
      row.expires_at > now &&
      row.session_idle_expires_at > now &&
      row.session_absolute_expires_at > now
    );
  }

  private async advance(em: EntityManager, row: TokenRow, now: Date): Promise<TokenResponse> {
    const next = newToken();
    const nextId = randomUUID();
    const binding = { sessionId: row.session_id, userId: row.user_id, clientId: row.client_id, scopes: row.scopes, audiences: row.audiences };
    const expiresAt = new Date(Math.min(this.expiry(now).getTime(), row.session_absolute_expires_at.getTime()));
    await this.insert(em, nextId, row.family_id, binding, next, expiresAt);
    await em.query('UPDATE refresh_tokens SET rotated_at = $2, successor_id = $3, successor_enc = $4 WHERE id = $1', [
      row.id,
      now,
      nextId,
      this.sealer.encrypt(Buffer.from(next, 'utf8'), row.id),
    ]);
    await em.query('UPDATE sessions SET last_used_at = $2, idle_expires_at = LEAST(absolute_expires_at, $3) WHERE id = $1', [
      row.session_id,
      now,
      this.expiry(now),
    ]);
    return this.response(row, next);
  }

  /** A retry or a concurrent twin: hand out the family's live token instead of forking it. */
  private async replayWithinGrace(em: EntityManager, row: TokenRow): Promise<TokenResponse> {
    let current = row;
    for (let i = 0; i < MAX_CHAIN && current.rotated_at !== null; i++) {
      if (!current.successor_id || !current.successor_enc) throw INVALID();
      const plaintext = this.sealer.decrypt(current.successor_enc, current.id).toString('utf8');
      const next: TokenRow[] = await em.query(`${SELECT_TOKEN} WHERE rt.id = $1`, [current.successor_id]);
      if (!next[0] || !this.usable(next[0], new Date())) throw INVALID();
      if (next[0].rotated_at === null) return this.response(next[0], plaintext);
      current = next[0];
    }
    throw INVALID();
  }

  private async revokeForTheft(em: EntityManager, row: TokenRow, now: Date): Promise<void> {
    await em.query('UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL', [row.family_id, now]);
    await em.query(`UPDATE sessions SET revoked_at = $2, revoked_reason = 'refresh_reuse' WHERE id = $1 AND revoked_at IS NULL`, [row.session_id, now]);
    const until = Math.floor(now.getTime() / 1000) + this.config.ACCESS_TOKEN_TTL;
    await enqueueEvent(em, EVENT_SUBJECTS.revokedSession, { v: 1, sid: row.session_id, until });
    await queueBackchannelLogout(em, [row.session_id]);
    await audit(em, 'refresh_reuse_detected', { userId: row.user_id, clientId: row.client_id, sessionId: row.session_id, details: { familyId: row.family_id } });
  }

  private response(row: Pick<TokenRow, 'user_id' | 'client_id' | 'scopes' | 'audiences' | 'session_id' | 'session_amr' | 'session_auth_time'>, refreshToken: string): TokenResponse {
    const access = this.issuer.issue({
      sub: row.user_id, clientId: row.client_id, audiences: row.audiences, scopes: row.scopes, sid: row.session_id, amr: row.session_amr, authTime: row.session_auth_time,
    });
    return { access_token: access.token, token_type: 'Bearer', expires_in: access.expiresIn, scope: access.scope, refresh_token: refreshToken };
  }

  private async insert(em: EntityManager, id: string, familyId: string, b: RefreshBinding, token: string, expiresAt: Date): Promise<void> {
    const { text, params } = insertStatement(id, familyId, b, token, expiresAt);
    await em.query(text, params);
  }

  private expiry(from: Date): Date {
    return new Date(from.getTime() + this.config.REFRESH_TOKEN_TTL * 1000);
  }
}

function insertStatement(id: string, familyId: string, b: RefreshBinding, token: string, expiresAt: Date): SqlStatement {
  return {
    text: `INSERT INTO refresh_tokens (id, family_id, session_id, user_id, client_id, scopes, audiences, token_hash, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    params: [id, familyId, b.sessionId, b.userId, b.clientId, b.scopes, b.audiences, sha256(token), expiresAt],
  };
}

function newToken(): string {
  return randomBytes(32).toString('base64url');
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
