import { EVENT_SUBJECTS } from '@gatehouse/contracts';
import type { Client } from 'pg';

/**
 * Commits one `gatehouse.revoked.token` event into auth-service's outbox (its trigger NOTIFYs the
 * relay) and returns when Postgres inserted it: `clock_timestamp()` in the INSERT, wall-clock epoch
 * ms, just before the commit. Convert it with `wallClockOffsetMs()` to compare with `nowMs()` times.
 */
export async function insertTokenRevocation(client: Client, jti: string, exp: number): Promise<number> {
  const res = await client.query<{ at: number }>('INSERT INTO outbox (subject, payload) VALUES ($1, $2) RETURNING (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS at', [EVENT_SUBJECTS.revokedToken, JSON.stringify({ v: 1, jti, exp })]);
  return Number(res.rows[0]?.at);
}
