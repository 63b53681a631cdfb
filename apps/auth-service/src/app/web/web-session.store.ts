import { FIRST_PARTY_CLIENT_ID } from '@gatehouse/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { AUTH_CONFIG } from '../config/config.tokens';
import type { AuthConfig } from '../config/config.schema';
import type { SqlStatement } from '../database/one-statement';
import { queryRows } from '../database/query-rows';
import { SessionsService, type SessionOrigin } from '../users/sessions.service';

/** The signed-in user behind a valid session cookie. */
export interface WebSession {
  sessionId: string;
  userId: string;
  email: string;
  scopes: string[];
  csrfToken: string;
  /** When the user signed in (the session's start): `auth_time` of tokens issued through it. */
  authTime: Date;
  /** How the user signed in (RFC 8176 `amr`): `mfa` once a second factor was used. */
  amr: string[];
}

/** A new web session; `cookie` goes to the browser and is never stored. */
export interface OpenedWebSession {
  sessionId: string;
  cookie: string;
}

/** 256 random bits, base64url: the cookie value and the CSRF token. */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Web sessions in the shared `sessions` registry (kind `web`). Only the SHA-256 of the cookie
 * value is stored, so a database read does not yield a usable cookie. Each lookup slides the idle
 * deadline (WEB_SESSION_IDLE) but never past the absolute one (WEB_SESSION_ABSOLUTE).
 */
@Injectable()
export class WebSessionStore {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly sessions: SessionsService,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  /** Opens a session with a fresh cookie value and CSRF token, in `em`'s transaction. */
  async open(em: EntityManager, userId: string, origin: SessionOrigin, amr?: readonly string[]): Promise<OpenedWebSession> {
    const { statement, ...opened } = this.insertion(userId, origin, amr);
    await em.query(statement.text, statement.params);
    return opened;
  }

  /**
   * Like {@link open}, but returns the INSERT instead of running it, so a login can commit the
   * session with its audit row in one statement (`runAsOneStatement`), as the API login does.
   */
  insertion(userId: string, origin: SessionOrigin, amr: readonly string[] = ['pwd']): OpenedWebSession & { statement: SqlStatement } {
    const cookie = randomToken();
    const spec = {
      userId,
      clientId: FIRST_PARTY_CLIENT_ID,
      kind: 'web' as const,
      idleMs: this.config.WEB_SESSION_IDLE * 1000,
      absoluteMs: this.config.WEB_SESSION_ABSOLUTE * 1000,
      web: { cookieHash: sha256(cookie), csrfToken: randomToken() },
      amr,
    };
    const { id, statement } = this.sessions.insertion(spec, origin);
    return { sessionId: id, cookie, statement };
  }

  /** The live session for a cookie value (and its idle deadline pushed forward), or null. */
  async touch(cookie: string | undefined): Promise<WebSession | null> {
    if (!cookie) return null;
    const rows = await queryRows<{ id: string; user_id: string; email: string; scopes: string[]; csrf_token: string; auth_time: Date; amr: string[] }>(
      this.ds.manager,
      `UPDATE sessions s SET last_used_at = now(),
              idle_expires_at = LEAST(s.absolute_expires_at, now() + make_interval(secs => $2))
         FROM users u
        WHERE s.cookie_hash = $1 AND s.kind = 'web' AND s.revoked_at IS NULL
          AND s.idle_expires_at > now() AND s.absolute_expires_at > now()
          AND u.id = s.user_id AND u.disabled_at IS NULL
        RETURNING s.id, s.user_id, u.email, u.scopes, s.csrf_token, COALESCE(s.auth_time, s.created_at) AS auth_time, s.amr`,
      [sha256(cookie), this.config.WEB_SESSION_IDLE],
    );
    const row = rows[0];
    if (!row) return null;
    return { sessionId: row.id, userId: row.user_id, email: row.email, scopes: row.scopes, csrfToken: row.csrf_token, authTime: row.auth_time, amr: row.amr };
  }
}

/** Marks a web session as signed in with a second factor (the factor was just proven on it). */
export async function upgradeSessionAmr(em: EntityManager, sessionId: string, amr: readonly string[]): Promise<void> {
  await em.query('UPDATE sessions SET amr = $2 WHERE id = $1', [sessionId, [...amr]]);
}
