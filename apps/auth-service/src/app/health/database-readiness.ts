import type { ReadinessProbe } from '@gatehouse/service-runtime';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** Ready when Postgres answers and no migration is pending. */
@Injectable()
export class DatabaseReadiness implements ReadinessProbe {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async check(): Promise<Record<string, boolean>> {
    const database = await this.ds
      .query('SELECT 1')
      .then(() => true)
      .catch(() => false);
    const migrations = database ? !(await this.ds.showMigrations().catch(() => true)) : false;
    return { database, migrations };
  }
}
