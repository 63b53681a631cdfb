import { GatehouseError } from '@gatehouse/contracts';
import { queryRows } from '@gatehouse/service-runtime';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** A stock reservation as returned to the calling service. */
export interface Reservation {
  id: string;
  sku: string;
  quantity: number;
  orderId: string;
  /** The service that reserved (the acting client of an exchanged token). */
  reservedBy: string;
  /** The user it was reserved for (null for reservations made with a service's own token, before token exchange). */
  userId: string | null;
}

/** Who reserves: the acting service, for a user. */
export interface ReservationParties {
  reservedBy: string;
  userId: string;
}

const COLUMNS = `id, sku, quantity, order_id AS "orderId", reserved_by AS "reservedBy", user_id AS "userId"`;

/** Items and reservations. Stock never goes negative; one reservation per order id. */
@Injectable()
export class ReservationsService {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** The catalogue. */
  items(): Promise<{ sku: string; name: string; stock: number }[]> {
    return this.ds.query('SELECT sku, name, stock FROM items ORDER BY sku LIMIT 500');
  }

  /** A reservation by id, or null. */
  async find(id: string): Promise<Reservation | null> {
    const rows = await queryRows<Reservation>(this.ds.manager, `SELECT ${COLUMNS} FROM reservations WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }

  /**
   * Reserves stock for an order. Repeating the same order id returns the first reservation
   * (a retried call never reserves twice).
   *
   * @throws GatehouseError `REQUEST_NOT_FOUND` (404) for an unknown sku, `REQUEST_INVALID` (409) when stock is short
   */
  async reserve(sku: string, quantity: number, orderId: string, parties: ReservationParties): Promise<Reservation> {
    return this.ds.transaction(async (em) => {
      const existing = await queryRows<Reservation>(em, `SELECT ${COLUMNS} FROM reservations WHERE order_id = $1`, [orderId]);
      if (existing[0]) return existing[0];
      const updated = await queryRows<{ sku: string }>(em, 'UPDATE items SET stock = stock - $2 WHERE sku = $1 AND stock >= $2 RETURNING sku', [sku, quantity]);
      if (updated.length === 0) {
        const known = await queryRows<{ sku: string }>(em, 'SELECT sku FROM items WHERE sku = $1', [sku]);
        if (known.length === 0) throw new GatehouseError('REQUEST_NOT_FOUND', 404, 'No such item.');
        throw new GatehouseError('REQUEST_INVALID', 409, 'Not enough stock.');
      }
      const rows = await queryRows<Reservation>(
        em,
        `INSERT INTO reservations (sku, quantity, order_id, reserved_by, user_id) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
        [sku, quantity, orderId, parties.reservedBy, parties.userId],
      );
      return rows[0] as Reservation;
    });
  }
}
