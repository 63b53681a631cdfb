import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { queryRows } from '../database/query-rows';
import { KeyEncryption } from '../keys/key-encryption';
import { KEY_ENCRYPTION } from '../keys/key-store.service';
import { newTotpSecret, totpStep } from './totp';

/** A confirmed second factor as /account lists it. */
export interface FactorSummary {
  id: string;
  kind: 'totp' | 'passkey';
  label: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

/** Ten codes, as is usual (GitHub, Google). */
export const RECOVERY_CODE_COUNT = 10;

/** A recovery code as typed: 80 random bits in four groups of base32 letters, case and dashes ignored. */
function normaliseRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '');
}

function hashRecoveryCode(code: string): Buffer {
  // 80 random bits: a fast hash is enough (DESIGN.md: high-entropy secrets need no slow hash).
  return createHash('sha256').update(`gatehouse-recovery:${normaliseRecoveryCode(code)}`, 'utf8').digest();
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

function newRecoveryCode(): string {
  const bytes = randomBytes(16);
  let out = '';
  for (let i = 0; i < 16; i++) out += BASE32[(bytes[i] ?? 0) % 32];
  return out.match(/.{4}/g)?.join('-') ?? out;
}

/**
 * TOTP factors (secret sealed under KEY_ENCRYPTION_KEY, bound to the factor's id), recovery codes
 * (only their SHA-256), and the list of every confirmed factor. A TOTP code is accepted once: the
 * accepting UPDATE moves `totp_last_step` forward and only matches while the step is newer.
 */
@Injectable()
export class Factors {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(KEY_ENCRYPTION) private readonly sealer: KeyEncryption,
  ) {}

  /** The user's confirmed factors, oldest first. */
  async list(userId: string): Promise<FactorSummary[]> {
    const rows = await queryRows<{ id: string; kind: 'totp' | 'passkey'; label: string; created_at: Date; last_used_at: Date | null }>(
      this.ds.manager,
      `SELECT id, kind, label, created_at, last_used_at FROM user_factors WHERE user_id = $1 AND confirmed_at IS NOT NULL ORDER BY created_at`,
      [userId],
    );
    return rows.map((r) => ({ id: r.id, kind: r.kind, label: r.label, createdAt: r.created_at, lastUsedAt: r.last_used_at }));
  }

  /** Which kinds of confirmed factor the user has (empty: password only). */
  async kinds(userId: string): Promise<Set<'totp' | 'passkey'>> {
    return new Set((await this.list(userId)).map((f) => f.kind));
  }

  /** Unused recovery codes left. */
  async recoveryCodesLeft(userId: string): Promise<number> {
    const rows = await queryRows<{ n: number }>(this.ds.manager, 'SELECT count(*)::int AS n FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL', [userId]);
    return rows[0]?.n ?? 0;
  }

  /** Starts (or restarts) a TOTP enrolment: a new secret, unconfirmed until a code from it is entered. */
  async startTotp(userId: string): Promise<string> {
    const id = randomUUID();
    const secret = newTotpSecret();
    await this.ds.transaction(async (em) => {
      await em.query(`DELETE FROM user_factors WHERE user_id = $1 AND kind = 'totp' AND confirmed_at IS NULL`, [userId]);
      await em.query(`INSERT INTO user_factors (id, user_id, kind, label, totp_secret_sealed) VALUES ($1, $2, 'totp', 'Authenticator app', $3)`, [
        id, userId, this.sealer.encrypt(Buffer.from(secret, 'utf8'), `totp:${id}`),
      ]);
    });
    return secret;
  }

  /** The secret of an enrolment in progress, to show its QR code again; null if none. */
  async pendingTotp(userId: string): Promise<string | null> {
    const rows = await queryRows<{ id: string; totp_secret_sealed: string }>(
      this.ds.manager,
      `SELECT id, totp_secret_sealed FROM user_factors WHERE user_id = $1 AND kind = 'totp' AND confirmed_at IS NULL ORDER BY created_at DESC LIMIT 1`,
      [userId],
    );
    const row = rows[0];
    return row ? this.sealer.decrypt(row.totp_secret_sealed, `totp:${row.id}`).toString('utf8') : null;
  }

  /**
   * Confirms the pending enrolment with a code from it, in `em`'s transaction; false for a wrong
   * code, no enrolment in progress, or a TOTP factor that is already confirmed.
   */
  async confirmTotp(em: EntityManager, userId: string, code: string, now = Date.now()): Promise<boolean> {
    const rows = await queryRows<{ id: string; totp_secret_sealed: string }>(
      em,
      `SELECT id, totp_secret_sealed FROM user_factors WHERE user_id = $1 AND kind = 'totp' AND confirmed_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM user_factors f WHERE f.user_id = $1 AND f.kind = 'totp' AND f.confirmed_at IS NOT NULL)
        ORDER BY created_at DESC LIMIT 1 FOR UPDATE`,
      [userId],
    );
    const row = rows[0];
    if (!row) return false;
    const step = totpStep(this.sealer.decrypt(row.totp_secret_sealed, `totp:${row.id}`).toString('utf8'), code, now);
    if (step === null) return false;
    await em.query('UPDATE user_factors SET confirmed_at = now(), totp_last_step = $2, last_used_at = now() WHERE id = $1', [row.id, step]);
    return true;
  }

  /** Checks a TOTP code of the user's confirmed factor and uses it up: true once per code. */
  async useTotp(userId: string, code: string, now = Date.now()): Promise<boolean> {
    const rows = await queryRows<{ id: string; totp_secret_sealed: string }>(
      this.ds.manager,
      `SELECT id, totp_secret_sealed FROM user_factors WHERE user_id = $1 AND kind = 'totp' AND confirmed_at IS NOT NULL`,
      [userId],
    );
    const row = rows[0];
    if (!row) return false;
    const step = totpStep(this.sealer.decrypt(row.totp_secret_sealed, `totp:${row.id}`).toString('utf8'), code, now);
    if (step === null) return false;
    const used = await queryRows<{ id: string }>(
      this.ds.manager,
      `UPDATE user_factors SET totp_last_step = $2, last_used_at = now()
        WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2) RETURNING id`,
      [row.id, step],
    );
    return used.length === 1;
  }

  /** Replaces the user's recovery codes with ten new ones, in `em`'s transaction; returns them (shown once). */
  async newRecoveryCodes(em: EntityManager, userId: string): Promise<string[]> {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    await em.query('DELETE FROM recovery_codes WHERE user_id = $1', [userId]);
    await em.query('INSERT INTO recovery_codes (code_hash, user_id) SELECT unnest($1::bytea[]), $2', [codes.map(hashRecoveryCode), userId]);
    return codes;
  }

  /** Uses a recovery code up: true once per code. */
  async useRecoveryCode(userId: string, code: string): Promise<boolean> {
    if (code.length > 64) return false;
    const rows = await queryRows<{ user_id: string }>(
      this.ds.manager,
      'UPDATE recovery_codes SET used_at = now() WHERE code_hash = $1 AND user_id = $2 AND used_at IS NULL RETURNING user_id',
      [hashRecoveryCode(code), userId],
    );
    return rows.length === 1;
  }

  /**
   * Removes a factor in `em`'s transaction; with the last one go the recovery codes (they
   * would otherwise be a second factor of an account that has none). Null if it was not the user's.
   */
  async remove(em: EntityManager, userId: string, factorId: string): Promise<{ kind: 'totp' | 'passkey'; remaining: number } | null> {
    const rows = await queryRows<{ kind: 'totp' | 'passkey' }>(em, 'DELETE FROM user_factors WHERE id = $1 AND user_id = $2 AND confirmed_at IS NOT NULL RETURNING kind', [factorId, userId]);
    const removed = rows[0];
    if (!removed) return null;
    const left = await queryRows<{ n: number }>(em, 'SELECT count(*)::int AS n FROM user_factors WHERE user_id = $1 AND confirmed_at IS NOT NULL', [userId]);
    const remaining = left[0]?.n ?? 0;
    if (remaining === 0) await em.query('DELETE FROM recovery_codes WHERE user_id = $1', [userId]);
    return { kind: removed.kind, remaining };
  }
}
