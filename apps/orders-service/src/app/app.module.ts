import { resourceServiceImports } from '@gatehouse/resource-service';
import { ServiceTokenClient } from '@gatehouse/service-token-client';
import { type DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import type { OrdersConfig } from './config.schema';
import { Orders1763902000000 } from './migrations/1763902000000-orders';
import { OrdersController } from './orders.controller';
import { ORDERS_CONFIG, OrdersService } from './orders.service';

const MIGRATION_LOCK_ID = 7_316_101;

/** Root module of orders-service. */
@Module({})
export class AppModule {
  static forRoot(config: OrdersConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: resourceServiceImports({ service: 'orders-service', audience: 'orders', config, logger, migrations: [Orders1763902000000], migrationLockId: MIGRATION_LOCK_ID }),
      controllers: [OrdersController],
      providers: [
        { provide: ORDERS_CONFIG, useValue: config },
        {
          provide: ServiceTokenClient,
          useFactory: () =>
            new ServiceTokenClient({
              tokenUrl: config.AUTH_TOKEN_URL ?? `${config.ISSUER}/oauth/token`,
              clientId: config.SERVICE_CLIENT_ID,
              clientSecret: config.SERVICE_CLIENT_SECRET,
            }),
        },
        OrdersService,
      ],
    };
  }
}
