import type { Client } from 'pg';

/** What {@link bulkLoad} may drop while loading. */
export interface BulkLoadOptions {
  /** Tables whose primary and unique keys are dropped as well (nothing may reference them). */
  dropKeysOf?: readonly string[];
}

/**
 * Writes history fast, the way a restore does: drops the secondary indexes of `tables` (and the
 * keys of `dropKeysOf`), turns foreign-key triggers off for this connection, runs `load`, then
 * rebuilds every dropped index and key from its own definition and ANALYZEs, so that plans and
 * timings afterwards see exactly the schema's indexes. `client` must be a superuser connection
 * to a test database; `load` must use that same client.
 *
 * @example await bulkLoad(client, ['sessions'], () => client.query('INSERT INTO sessions … generate_series(…)'));
 * @throws Error if the database name lacks `test`
 */
export async function bulkLoad(client: Client, tables: readonly string[], load: () => Promise<void>, options: BulkLoadOptions = {}): Promise<void> {
  const { rows: db } = await client.query<{ name: string }>('SELECT current_database() AS name');
  if (!db[0]?.name.includes('test')) throw new Error('bulkLoad: refusing to touch a database whose name lacks "test"');
  const { rows: indexes } = await client.query<{ name: string; def: string }>(
    `SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ANY($1)
        AND indexname NOT IN (SELECT conname FROM pg_constraint)`,
    [tables],
  );
  const { rows: keys } = await client.query<{ tbl: string; name: string; def: string }>(
    `SELECT conrelid::regclass::text AS tbl, conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint
      WHERE conrelid = ANY($1::regclass[]) AND contype IN ('p', 'u')`,
    [options.dropKeysOf ?? []],
  );
  for (const ix of indexes) await client.query(`DROP INDEX ${ix.name}`);
  for (const k of keys) await client.query(`ALTER TABLE ${k.tbl} DROP CONSTRAINT ${k.name}`);
  await client.query(`SET synchronous_commit = off; SET session_replication_role = replica; SET maintenance_work_mem = '256MB'`);
  try {
    await load();
  } finally {
    await client.query('SET session_replication_role = DEFAULT');
    for (const k of keys) await client.query(`ALTER TABLE ${k.tbl} ADD CONSTRAINT ${k.name} ${k.def}`);
    for (const ix of indexes) await client.query(ix.def);
    await client.query('RESET synchronous_commit; RESET maintenance_work_mem; ANALYZE');
  }
}
