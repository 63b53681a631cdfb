import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { queryRows } from '../database/query-rows';

/** What a challenge is for. */
export type ChallengePurpose = 'second_factor' | 'passkey_register' | 'passkey_login';

/** A live challenge. */
export interface AuthChallenge {
  userId: string | null;
  data: Record<string, unknown>;
}

/** Wrong answers a second-factor challenge survives; the account throttle applies as well. */
export const CHALLENGE_MAX_ATTEMPTS = 5;

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Short-lived, single-use challenges: the step between a password and a second factor, and the
 * WebAuthn ceremonies. 256 random bits go to the client; only their SHA-256 is stored.
 */
@Injectable()
export class AuthChallenges {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Stores a challenge and returns its token (the only time it exists in clear). */
  async create(purpose: ChallengePurpose, userId: string | null, data: Record<string, unknown>, ttlSeconds: number): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.ds.query(
      `INSERT INTO auth_challenges (token_hash, purpose, user_id, data, expires_at) VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))`,
      [sha256(token), purpose, userId, JSON.stringify(data), ttlSeconds],
    );
    return token;
  }

  /** The challenge if it is live (unused, unexpired, attempts left), without using it. */
  async peek(purpose: ChallengePurpose, token: unknown): Promise<AuthChallenge | null> {
    if (typeof token !== 'string' || token.length < 40 || token.length > 64) return null;
    const rows = await queryRows<{ user_id: string | null; data: Record<string, unknown> }>(
      this.ds.manager,
      `SELECT user_id, data FROM auth_challenges
        WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now() AND attempts < $3`,
      [sha256(token), purpose, CHALLENGE_MAX_ATTEMPTS],
    );
    const row = rows[0];
    return row ? { userId: row.user_id, data: row.data } : null;
  }

  /** Uses the challenge up; null if it was not live (a second use, or a race lost). */
  async consume(purpose: ChallengePurpose, token: unknown): Promise<AuthChallenge | null> {
    if (typeof token !== 'string' || token.length < 40 || token.length > 64) return null;
    const rows = await queryRows<{ user_id: string | null; data: Record<string, unknown> }>(
      this.ds.manager,
      `UPDATE auth_challenges SET used_at = now()
        WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now() AND attempts < $3
        RETURNING user_id, data`,
      [sha256(token), purpose, CHALLENGE_MAX_ATTEMPTS],
    );
    const row = rows[0];
    return row ? { userId: row.user_id, data: row.data } : null;
  }

  /** Counts a wrong answer against the challenge. */
  async fail(token: string): Promise<void> {
    await this.ds.query('UPDATE auth_challenges SET attempts = attempts + 1 WHERE token_hash = $1', [sha256(token)]);
  }
}
