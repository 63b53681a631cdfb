import { AuthVerifyModule, authVerifyOptionsFrom, VerifierReadiness } from '@gatehouse/auth-verify';
import { databaseAnswers, RuntimeModule, typeOrmRoot } from '@gatehouse/service-runtime';
import { type DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import type { InventoryConfig } from './config.schema';
import { ItemsController } from './items.controller';
import { Inventory1763901000000 } from './migrations/1763901000000-inventory';
import { ReservationsService } from './reservations.service';

const MIGRATION_LOCK_ID = 7_316_102;

/** Root module of inventory-service. */
@Module({})
export class AppModule {
  static forRoot(config: InventoryConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        typeOrmRoot({
          url: config.DATABASE_URL,
          production: config.NODE_ENV === 'production',
          migrations: [Inventory1763901000000],
          migrationLockId: MIGRATION_LOCK_ID,
          applicationName: 'inventory-service',
        }),
        AuthVerifyModule.forRoot(authVerifyOptionsFrom(config, 'inventory')),
        RuntimeModule.forRoot({
          service: 'inventory-service',
          logger,
          readiness: {
            useFactory: (ds: DataSource, verifier: VerifierReadiness) => ({
              check: async () => ({ database: await databaseAnswers(ds), ...verifier.check() }),
            }),
            inject: [DataSource, VerifierReadiness],
          },
        }),
      ],
      controllers: [ItemsController],
      providers: [ReservationsService],
    };
  }
}
