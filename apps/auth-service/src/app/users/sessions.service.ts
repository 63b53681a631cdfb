import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { SessionEntity } from './session.entity';

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
}

/** The session registry shared by web and API logins. */
@Injectable()
export class SessionsService {
  /** Opens a session in `em`'s transaction; its id becomes the tokens' `sid`. */
  async open(em: EntityManager, spec: SessionSpec, origin: SessionOrigin): Promise<SessionEntity> {
    const now = Date.now();
    const repo = em.getRepository(SessionEntity);
    return repo.save(
      repo.create({
        userId: spec.userId,
        clientId: spec.clientId,
        kind: spec.kind,
        userAgent: origin.userAgent?.slice(0, 512) ?? null,
        ip: origin.ip ?? null,
        lastUsedAt: new Date(now),
        idleExpiresAt: new Date(now + spec.idleMs),
        absoluteExpiresAt: new Date(now + spec.absoluteMs),
        revokedAt: null,
        revokedReason: null,
      }),
    );
  }
}
