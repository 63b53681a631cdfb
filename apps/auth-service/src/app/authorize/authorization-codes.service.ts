import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { preparedRows } from '../database/prepared-rows';
import { queryRows } from '../database/query-rows';
import type { AuthorizationRequest } from './authorization-request';

/** How long a code may wait for its exchange (RFC 6749 §4.1.2: short; at most 10 minutes). */
export const AUTHORIZATION_CODE_TTL_SECONDS = 60;

/** What a successful exchange read off the code it consumed. */
export interface RedeemedCode {
  user_id: string;
  email: string;
  scopes: string[];
  audiences: string[];
  nonce: string | null;
  auth_time: Date;
  /** How the user signed in to the browser session that approved the code (RFC 8176). */
  amr: string[];
  with_refresh: boolean;
}

/** What an exchange presents and opens, besides the code. */
export interface Redemption {
  code: string;
  clientId: string;
  redirectUri: string;
  /** BASE64URL(SHA256(code_verifier)), to equal the stored challenge (RFC 7636 §4.6). */
  challenge: string;
  /** The session the exchange opens (its id becomes `sid`). */
  sessionId: string;
  /** Refresh tokens also for scopes without `offline_access` (first-party apps). */
  refreshAlways: boolean;
  refreshTokenHash: Buffer;
  origin: { ip: string | null; userAgent: string | null };
  lifetimes: { accessTtl: number; refreshIdle: number; refreshAbsolute: number };
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

  /**
   * Consumes a code and opens its session in one statement (one round trip, atomic): the code is
   * claimed only if unused, unexpired, bound to this client, redirect URI and PKCE challenge, its
   * user enabled and its browser session live; then the session row (a child of the browser
   * session), the refresh family and the audit row are written from it. Two exchanges of one code
   * serialise on its row; the second finds it used. Null when nothing was claimed. A named
   * prepared statement: planning this CTE was a third of its Postgres CPU (BENCHMARKS.md, row 9).
   */
  async redeem(r: Redemption): Promise<RedeemedCode | null> {
    const rows = await preparedRows<RedeemedCode>(
      this.ds,
      'gh_redeem_authorization_code',
      `WITH claimed AS (
         UPDATE authorization_codes c SET used_at = now(), issued_session_id = $2::uuid
          WHERE c.code_hash = $1 AND c.used_at IS NULL AND c.expires_at > now()
            AND c.client_id = $3 AND c.redirect_uri = $4 AND c.code_challenge = $5
            AND EXISTS (SELECT 1 FROM users u WHERE u.id = c.user_id AND u.disabled_at IS NULL)
            AND EXISTS (SELECT 1 FROM sessions w WHERE w.id = c.web_session_id AND w.revoked_at IS NULL
                          AND w.idle_expires_at > now() AND w.absolute_expires_at > now())
          RETURNING c.user_id, c.web_session_id, c.scopes, c.nonce, c.auth_time,
                    (SELECT w.amr FROM sessions w WHERE w.id = c.web_session_id) AS amr,
                    CASE WHEN cardinality(c.audiences) = 0 THEN ARRAY[c.client_id] ELSE c.audiences END AS audiences,
                    ($6::boolean OR 'offline_access' = ANY(c.scopes)) AS with_refresh),
       opened AS (
         INSERT INTO sessions (id, user_id, client_id, kind, user_agent, ip, idle_expires_at, absolute_expires_at, parent_id, amr, auth_time)
         SELECT $2::uuid, user_id, $3::text, 'api', $7::text, $8::text,
                now() + make_interval(secs => CASE WHEN with_refresh THEN $10::int ELSE $9::int END),
                now() + make_interval(secs => CASE WHEN with_refresh THEN $11::int ELSE $9::int END), web_session_id, amr, auth_time
           FROM claimed),
       family AS (
         INSERT INTO refresh_tokens (family_id, session_id, user_id, client_id, scopes, audiences, token_hash, expires_at)
         SELECT gen_random_uuid(), $2::uuid, user_id, $3::text, scopes, audiences, $12::bytea, now() + make_interval(secs => $10::int)
           FROM claimed WHERE with_refresh),
       audited AS (
         INSERT INTO audit_log (event, user_id, client_id, session_id, ip, details)
         SELECT 'login_ok', user_id, $3::text, $2::uuid, $8::text, '{"channel":"authorization_code"}'::jsonb FROM claimed)
       SELECT claimed.user_id, u.email, claimed.scopes, claimed.audiences, claimed.nonce, claimed.auth_time, claimed.amr, claimed.with_refresh
         FROM claimed JOIN users u ON u.id = claimed.user_id`,
      [
        sha256(r.code), r.sessionId, r.clientId, r.redirectUri, r.challenge, r.refreshAlways, r.origin.userAgent?.slice(0, 512) ?? null, r.origin.ip,
        r.lifetimes.accessTtl, r.lifetimes.refreshIdle, r.lifetimes.refreshAbsolute, r.refreshTokenHash,
      ],
    );
    return rows[0] ?? null;
  }

  /** For a code that could not be redeemed: the session its first exchange opened, if it was used. */
  async usedBy(code: string): Promise<{ userId: string; sessionId: string } | null> {
    const rows = await queryRows<{ user_id: string; issued_session_id: string | null }>(
      this.ds.manager,
      'SELECT user_id, issued_session_id FROM authorization_codes WHERE code_hash = $1 AND used_at IS NOT NULL',
      [sha256(code)],
    );
    const row = rows[0];
    return row?.issued_session_id ? { userId: row.user_id, sessionId: row.issued_session_id } : null;
  }
}

/** SHA-256, as stored. */
export function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
