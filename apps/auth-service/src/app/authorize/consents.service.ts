import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { queryRows } from '../database/query-rows';

/** One app a user has let in, as /account lists it. */
export interface ConsentRow {
  clientId: string;
  clientName: string;
  scopes: string[];
  audiences: string[];
  grantedAt: Date;
}

/**
 * Remembered consent per user and client: what the user approved once is not asked again;
 * asking for more (a new scope or audience) asks again for the union.
 */
@Injectable()
export class Consents {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Whether the user already approved every scope and audience of a request. */
  async covers(userId: string, clientId: string, scopes: readonly string[], audiences: readonly string[]): Promise<boolean> {
    const rows = await queryRows<{ ok: boolean }>(this.ds.manager, 'SELECT scopes @> $3 AND audiences @> $4 AS ok FROM consents WHERE user_id = $1 AND client_id = $2', [userId, clientId, scopes, audiences]);
    return rows[0]?.ok === true;
  }

  /** Records approval, adding to what was approved before. */
  async grant(userId: string, clientId: string, scopes: readonly string[], audiences: readonly string[]): Promise<void> {
    await this.ds.query(
      `INSERT INTO consents (user_id, client_id, scopes, audiences) VALUES ($1, $2, $3, $4)
       ON CONFLICT (user_id, client_id) DO UPDATE SET granted_at = now(),
         scopes = ARRAY(SELECT DISTINCT unnest(consents.scopes || EXCLUDED.scopes)),
         audiences = ARRAY(SELECT DISTINCT unnest(consents.audiences || EXCLUDED.audiences))`,
      [userId, clientId, scopes, audiences],
    );
  }

  /** Removes a user's consent to a client, in `em`'s transaction; false if there was none. */
  async withdraw(em: EntityManager, userId: string, clientId: string): Promise<boolean> {
    const rows = await queryRows<{ client_id: string }>(em, 'DELETE FROM consents WHERE user_id = $1 AND client_id = $2 RETURNING client_id', [userId, clientId]);
    return rows.length > 0;
  }

  /** The apps a user has approved. */
  list(userId: string): Promise<ConsentRow[]> {
    return queryRows<ConsentRow>(
      this.ds.manager,
      `SELECT c.client_id AS "clientId", COALESCE(cl.name, c.client_id) AS "clientName", c.scopes, c.audiences, c.granted_at AS "grantedAt"
         FROM consents c LEFT JOIN clients cl ON cl.id = c.client_id WHERE c.user_id = $1 ORDER BY c.granted_at DESC LIMIT 100`,
      [userId],
    );
  }
}
