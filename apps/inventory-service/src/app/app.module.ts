import { resourceServiceImports } from '@gatehouse/resource-service';
import { type DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { INVENTORY_CONFIG, type InventoryConfig } from './config.schema';
import { ItemsController } from './items.controller';
import { Inventory1763901000000 } from './migrations/1763901000000-inventory';
import { ReservationUser1764200000001 } from './migrations/1764200000001-reservation-user';
import { ReservationsService } from './reservations.service';

const MIGRATION_LOCK_ID = 7_316_102;

/** Root module of inventory-service. */
@Module({})
export class AppModule {
  static forRoot(config: InventoryConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: resourceServiceImports({ service: 'inventory-service', audience: 'inventory', config, logger, migrations: [Inventory1763901000000, ReservationUser1764200000001], migrationLockId: MIGRATION_LOCK_ID }),
      controllers: [ItemsController],
      providers: [{ provide: INVENTORY_CONFIG, useValue: config }, ReservationsService],
    };
  }
}
