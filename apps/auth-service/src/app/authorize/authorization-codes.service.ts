import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { queryRows } from '../database/query-rows';
import type { AuthorizationRequest } from './authorization-request';

/** How long a code may wait for its exchange (RFC 6749 §4.1.2: short; at most 10 minutes). */
export const AUTHORIZATION_CODE_TTL_SECONDS = 60;

/** A stored code, as the token endpoint sees it. */
export interface CodeRow {
  client_id: string;
  user_id: string;
  web_session_id: string;
  redirect_uri: string;
  code_challenge: string;
  nonce: string | null;
  scopes: string[];
  audiences: string[];
  auth_time: Date;
  expires_at: Date;
  used_at: Date | null;
  issued_session_id: string | null;
  web_session_live: boolean;
  user_disabled: boolean;
  email: string;
}

/**
 * Authorization codes: 256 random bits, only their SHA-256 stored, bound to client, redirect
 * URI, PKCE challenge, nonce and the browser session that approved them; single use.
 */
@Injectable()
export class AuthorizationCodes {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Stores a code for an approved request and returns it (the only time it exists in clear). */
  async issue(request: AuthorizationRequest, grant: { userId: string; webSessionId: string; authTime: Date; scopes: string[] }): Promise<string> {
    const code = randomBytes(32).toString('base64url');
    await this.ds.query(
      `INSERT INTO authorization_codes (code_hash, client_id, user_id, web_session_id, redirect_uri, code_challenge, nonce, scopes, audiences, auth_time, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now() + make_interval(secs => $11))`,
      [sha256(code), request.clientId, grant.userId, grant.webSessionId, request.redirectUri, request.codeChallenge, request.nonce, grant.scopes, request.audiences, grant.authTime, AUTHORIZATION_CODE_TTL_SECONDS],
    );
    return code;
  }

  /** The code's row, locked for this transaction, with what the exchange must re-check; null if unknown. */
  async lock(em: EntityManager, code: string): Promise<CodeRow | null> {
    if (code.length < 40 || code.length > 128) return null;
    const rows = await queryRows<CodeRow>(
      em,
      `SELECT c.*, u.email, u.disabled_at IS NOT NULL AS user_disabled,
              EXISTS (SELECT 1 FROM sessions s WHERE s.id = c.web_session_id AND s.revoked_at IS NULL
                        AND s.idle_expires_at > now() AND s.absolute_expires_at > now()) AS web_session_live
         FROM authorization_codes c JOIN users u ON u.id = c.user_id
        WHERE c.code_hash = $1 FOR UPDATE OF c`,
      [sha256(code)],
    );
    return rows[0] ?? null;
  }

  /** Marks the code used and remembers the session its exchange opened (to revoke it on a replay). */
  async markUsed(em: EntityManager, code: string, sessionId: string): Promise<void> {
    await em.query('UPDATE authorization_codes SET used_at = now(), issued_session_id = $2 WHERE code_hash = $1', [sha256(code), sessionId]);
  }
}

/** SHA-256, as stored. */
export function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
