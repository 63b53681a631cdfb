import type { DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, type MigrationInterface } from 'typeorm';
import { ensureDatabase, migrateWithLock } from './database';

/** Options of {@link typeOrmRoot}. */
export interface TypeOrmRootOptions {
  url: string;
  /** In production the database must already exist; elsewhere it is created if missing. */
  production: boolean;
  migrations: (new () => MigrationInterface)[];
  /** Advisory lock id serialising this service's migrations across replicas. */
  migrationLockId: number;
  applicationName: string;
}

/**
 * TypeORM for a service: schema only through migrations, run at boot under an advisory lock
 * before any provider touches a table; fail fast (an orchestrator restarts us).
 *
 * @example imports: [typeOrmRoot({ url, production: false, migrations: [Orders1], migrationLockId: 1, applicationName: 'orders-service' })]
 */
export function typeOrmRoot(o: TypeOrmRootOptions): DynamicModule {
  return TypeOrmModule.forRootAsync({
    useFactory: () => ({
      type: 'postgres' as const,
      url: o.url,
      migrations: o.migrations,
      synchronize: false,
      retryAttempts: 2,
      retryDelay: 1000,
      extra: { max: 10, application_name: o.applicationName },
    }),
    dataSourceFactory: async (options) => {
      if (!options) throw new Error('missing data source options');
      if (!o.production) await ensureDatabase(o.url);
      const ds = await new DataSource(options).initialize();
      await migrateWithLock(ds, o.migrationLockId);
      return ds;
    },
  });
}

/** Readiness check of a DataSource: true when `SELECT 1` answers. */
export function databaseAnswers(ds: DataSource): Promise<boolean> {
  return ds.query('SELECT 1').then(
    () => true,
    () => false,
  );
}
