import { GatehouseError, ServiceUnavailableError } from '@gatehouse/contracts';
import { ServiceTokenClient } from '@gatehouse/service-token-client';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { OrdersConfig } from './config.schema';

/** DI token of the validated config. */
export const ORDERS_CONFIG = Symbol('ORDERS_CONFIG');

/** An order as the user sees it. */
export interface Order {
  id: string;
  sku: string;
  quantity: number;
  reservationId: string;
  createdAt: string;
}

/** Orders: stock is reserved in inventory-service (with a service token) before an order exists. */
@Injectable()
export class OrdersService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly tokens: ServiceTokenClient,
    @Inject(ORDERS_CONFIG) private readonly config: OrdersConfig,
  ) {}

  /** The caller's own orders, newest first. */
  async list(userId: string): Promise<Order[]> {
    const rows: { id: string; sku: string; quantity: number; reservation_id: string; created_at: Date }[] = await this.ds.query(
      'SELECT id, sku, quantity, reservation_id, created_at FROM orders WHERE user_id = $1 ORDER BY created_at DESC LIMIT 100',
      [userId],
    );
    return rows.map((r) => ({ id: r.id, sku: r.sku, quantity: r.quantity, reservationId: r.reservation_id, createdAt: r.created_at.toISOString() }));
  }

  /**
   * Reserves stock, then records the order.
   *
   * @throws GatehouseError 404 unknown sku, 409 not enough stock; ServiceUnavailableError (503) if inventory cannot be reached
   */
  async create(userId: string, sku: string, quantity: number, requestId: string): Promise<Order> {
    const id = randomUUID();
    let res: Response;
    try {
      res = await this.tokens.fetchWithToken(`${this.config.INVENTORY_URL}/items/${encodeURIComponent(sku)}/reservations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ quantity, orderId: id }),
        audience: 'inventory',
        scope: 'inventory:reserve',
        requestId,
        signal: AbortSignal.timeout(5000),
      });
    } catch (err) {
      throw new ServiceUnavailableError('Inventory is unavailable.', { cause: err });
    }
    if (res.status === 404) throw new GatehouseError('REQUEST_NOT_FOUND', 404, 'No such item.');
    if (res.status === 409) throw new GatehouseError('REQUEST_INVALID', 409, 'Not enough stock.');
    if (res.status !== 201) throw new ServiceUnavailableError(`Inventory answered ${res.status}.`);
    const reservation = (await res.json()) as { id: string };
    const [row] = (await this.ds.query('INSERT INTO orders (id, user_id, sku, quantity, reservation_id) VALUES ($1, $2, $3, $4, $5) RETURNING created_at', [
      id,
      userId,
      sku,
      quantity,
      reservation.id,
    ])) as [{ created_at: Date }];
    return { id, sku, quantity, reservationId: reservation.id, createdAt: row.created_at.toISOString() };
  }
}
