import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { SqlStatement } from '../database/one-statement';

/** Idle and absolute lifetimes of a web session (DESIGN.md, Web sessions). */
export const WEB_SESSION_IDLE_MS = 30 * 60 * 1000;
export const WEB_SESSION_ABSOLUTE_MS = 12 * 60 * 60 * 1000;

/** Where a login came from, for the session list. */
export interface SessionOrigin {
  userAgent?: string | undefined;
  ip?: string | undefined;
}

/** What kind of session to open and how long it may live. */
export interface SessionSpec {
  userId: string;
  clientId: string;
  kind: 'api' | 'web';
  idleMs: number;
  absoluteMs: number;
  /** The browser session an app's sign-in came through: it ends with it. */
  parentId?: string;
  /** How the user signed in (RFC 8176 `amr`); a password alone when absent. */
  amr?: readonly string[];
  /** Web sessions: the SHA-256 of the cookie value and the forms' synchronizer token. */
  web?: { cookieHash: Buffer; csrfToken: string };
}

/** A session about to be opened: its id, chosen here, and the INSERT that opens it. */
export interface SessionInsert {
  id: string;
  statement: SqlStatement;
}

/** The session registry shared by web and API logins. */
@Injectable()
export class SessionsService {
  /** Opens a session in `em`'s transaction; its id becomes the tokens' `sid`. */
  async open(em: EntityManager, spec: SessionSpec, origin: SessionOrigin): Promise<{ id: string }> {
    const { id, statement } = this.insertion(spec, origin);
    await em.query(statement.text, statement.params);
    return { id };
  }

  /**
   * Like {@link open}, but returns the INSERT instead of running it, so that the rows that
   * reference the session can be written in the same statement (`runAsOneStatement`).
   * Plain SQL with the id generated here: no ORM entity round trip, no RETURNING needed.
   */
  insertion(spec: SessionSpec, origin: SessionOrigin): SessionInsert {
    const now = Date.now();
    const id = randomUUID();
    return {
      id,
      statement: {
        // created_at is the sign-in time (auth_time) on this process's clock, like the deadlines.
        text: `INSERT INTO sessions (id, user_id, client_id, kind, user_agent, ip, created_at, last_used_at, idle_expires_at, absolute_expires_at, parent_id, cookie_hash, csrf_token, amr)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9, $10, $11, $12, $13)`,
        params: [
          id, spec.userId, spec.clientId, spec.kind, origin.userAgent?.slice(0, 512) ?? null, origin.ip ?? null, new Date(now),
          new Date(now + spec.idleMs), new Date(now + spec.absoluteMs), spec.parentId ?? null, spec.web?.cookieHash ?? null, spec.web?.csrfToken ?? null,
          [...(spec.amr ?? ['pwd'])],
        ],
      },
    };
  }
}
