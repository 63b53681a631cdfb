import { GatehouseError, InvalidTokenError, ServiceUnavailableError } from '@gatehouse/contracts';
import { ServiceTokenClient, ServiceTokenRejectedError } from '@gatehouse/service-token-client';
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
  /** On creation: who inventory recorded as reserving (this service) and for whom (the user). */
  reservation?: { reservedBy: string; userId: string | null };
}

/** The user placing an order: their id and the access token they presented (exchanged, never forwarded). */
export interface Orderer {
  userId: string;
  accessToken: string;
}

/**
 * Orders: stock is reserved in inventory-service before an order exists, on behalf of the user —
 * with a token exchanged for theirs (RFC 8693: `sub` the user, `act.sub` this service), so
 * inventory knows for whom, and the user's logout reaches the reservation too.
 */
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
   * @throws GatehouseError 404 unknown sku, 409 not enough stock; InvalidTokenError (401) when the user's token
   *   can no longer be exchanged or inventory refuses it (revoked meanwhile); ServiceUnavailableError (503) if inventory cannot be reached
   */
  async create(orderer: Orderer, sku: string, quantity: number, requestId: string): Promise<Order> {
    const { userId } = orderer;
    const id = randomUUID();
    let res: Response;
    try {
      res = await this.tokens.fetchWithToken(`${this.config.INVENTORY_URL}/items/${encodeURIComponent(sku)}/reservations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ quantity, orderId: id }),
        audience: 'inventory',
        scope: 'inventory:reserve',
        subjectToken: orderer.accessToken,
        requestId,
        signal: AbortSignal.timeout(5000),
      });
    } catch (err) {
      // invalid_grant: auth-service says the user's token is dead (logged out, disabled, expired).
      if (err instanceof ServiceTokenRejectedError && err.error === 'invalid_grant') throw new InvalidTokenError();
      throw new ServiceUnavailableError('Inventory is unavailable.', { cause: err });
    }
    if (res.status === 401) throw new InvalidTokenError();
    if (res.status === 404) throw new GatehouseError('REQUEST_NOT_FOUND', 404, 'No such item.');
    if (res.status === 409) throw new GatehouseError('REQUEST_INVALID', 409, 'Not enough stock.');
    if (res.status !== 201) throw new ServiceUnavailableError(`Inventory answered ${res.status}.`);
    const reservation = (await res.json()) as { id: string; reservedBy: string; userId: string | null };
    const [row] = (await this.ds.query('INSERT INTO orders (id, user_id, sku, quantity, reservation_id) VALUES ($1, $2, $3, $4, $5) RETURNING created_at', [
      id,
      userId,
      sku,
      quantity,
      reservation.id,
    ])) as [{ created_at: Date }];
    return { id, sku, quantity, reservationId: reservation.id, createdAt: row.created_at.toISOString(), reservation: { reservedBy: reservation.reservedBy, userId: reservation.userId } };
  }
}
