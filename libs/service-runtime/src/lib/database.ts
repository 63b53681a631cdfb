import { Client } from 'pg';
import type { DataSource } from 'typeorm';

/**
 * Creates the database named in `url` if it is missing. A development convenience: callers
 * skip it in production, where the operator (or CloudNativePG) owns databases.
 *
 * @param url - postgres URL whose path names the database
 * @example await ensureDatabase('postgres://postgres@127.0.0.1:5432/gatehouse_orders');
 */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_]+$/.test(name)) return;
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) {
      await client.query(`CREATE DATABASE "${name}"`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // created by a concurrent replica
      });
    }
  } finally {
    await client.end();
  }
}

/**
 * Runs pending migrations while holding a cluster-wide advisory lock, so replicas never race.
 *
 * @param lockId - a constant per service
 */
export async function migrateWithLock(ds: DataSource, lockId: number): Promise<void> {
  const runner = ds.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [lockId]);
    await ds.runMigrations({ transaction: 'each' });
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [lockId]).catch(() => undefined);
    await runner.release();
  }
}

/**
 * Runs a statement and returns its rows. TypeORM's postgres driver returns `[rows, rowCount]`
 * for UPDATE/DELETE (even with RETURNING) but plain rows for SELECT/INSERT; treating the pair
 * as rows would make "nothing matched" look like two results.
 */
export async function queryRows<T>(runner: { query(sql: string, params?: unknown[]): Promise<unknown> }, sql: string, params: unknown[]): Promise<T[]> {
  const result: unknown = await runner.query(sql, params);
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
    return result[0] as T[];
  }
  return result as T[];
}
