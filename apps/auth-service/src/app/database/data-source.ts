import { ensureDatabase as ensureDb, migrateWithLock } from '@gatehouse/service-runtime';
import { DataSource, type DataSourceOptions } from 'typeorm';
import type { AuthConfig } from '../config/config.schema';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

/** Arbitrary but fixed: every replica serialises migrations on this advisory lock. */
const MIGRATION_LOCK_ID = 7_316_001;

/** TypeORM options for auth-service. Schema changes only through migrations. */
export function dataSourceOptions(config: AuthConfig): DataSourceOptions {
  return {
    type: 'postgres',
    url: config.DATABASE_URL,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    logging: false,
    extra: { max: 20, connectionTimeoutMillis: 5000, application_name: 'auth-service' },
  };
}

/** Creates the database if missing (never in production, where the operator owns it). */
export async function ensureDatabase(config: AuthConfig): Promise<void> {
  if (config.NODE_ENV !== 'production') await ensureDb(config.DATABASE_URL);
}

/** Runs pending migrations under the auth-service advisory lock. */
export function migrate(ds: DataSource): Promise<void> {
  return migrateWithLock(ds, MIGRATION_LOCK_ID);
}

/** Initialises a DataSource for `config`, creating and migrating the database first. */
export async function openDatabase(config: AuthConfig): Promise<DataSource> {
  await ensureDatabase(config);
  const ds = await new DataSource(dataSourceOptions(config)).initialize();
  try {
    await migrate(ds);
  } catch (err) {
    await ds.destroy();
    throw err;
  }
  return ds;
}
