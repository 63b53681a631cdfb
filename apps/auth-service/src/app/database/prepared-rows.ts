import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';

/**
 * Runs `text` as the named prepared statement `name` on TypeORM's pg pool, outside any
 * transaction (one autocommit statement), and returns its rows. Each pooled connection parses
 * and plans it once and then reuses the plan: for a large statement on a hot path (the code
 * redemption's five-part CTE) planning is a third of Postgres's CPU per call (BENCHMARKS.md, row
 * 9). A name must always stand for the same text; migrations run before the first call.
 *
 * @example const rows = await preparedRows<{ id: string }>(ds, 'gh_find_user', 'SELECT id FROM users WHERE email = $1', [email]);
 */
export async function preparedRows<T>(ds: DataSource, name: string, text: string, values: unknown[]): Promise<T[]> {
  const pool = (ds.driver as unknown as { master: Pool }).master;
  const result = await pool.query<T & object>({ name, text, values });
  return result.rows;
}
